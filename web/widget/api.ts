/** The widget's HTTP calls to Rapport (`/api/widget/:key/...`), with the visitor token and identity. */
import type { ChatUpload, VisitorSession, WidgetConfig } from '../../src/api-types/chat.ts';
import type { Embed } from './embed.ts';

/** A refused or failed call, with the server's own words when it gave them. */
export class WidgetApiError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

export class WidgetApi {
  /** The visitor token, once there is a session. */
  token: string | null = null;

  constructor(private readonly embed: Embed) {}

  private url(path: string): string {
    return new URL(`api/widget/${encodeURIComponent(this.embed.key)}/${path}`, this.embed.base)
      .href;
  }

  /** The socket's address: wss when Rapport is on https. */
  socketUrl(): string {
    const url = new URL(this.url('socket'));
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.href;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (this.token) headers.authorization = `Visitor ${this.token}`;
    const { userId, userHash } = this.embed.identity;
    if (userId) headers['x-rapport-user-id'] = userId;
    if (userHash) headers['x-rapport-user-hash'] = userHash;
    return headers;
  }

  private async call<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
    const { json, ...rest } = init;
    const response = await fetch(this.url(path), {
      ...rest,
      credentials: 'omit',
      headers: this.headers(
        json === undefined
          ? ((rest.headers as Record<string, string>) ?? {})
          : { 'content-type': 'application/json' },
      ),
      body: json === undefined ? rest.body : JSON.stringify(json),
    });
    if (!response.ok) {
      let detail = `the server answered ${response.status}`;
      try {
        const problem = (await response.json()) as { detail?: unknown };
        if (typeof problem.detail === 'string') detail = problem.detail;
      } catch {
        // Not problem+json: keep the status.
      }
      throw new WidgetApiError(response.status, detail);
    }
    if (response.status === 204 || response.status === 202) return undefined as T;
    return (await response.json()) as T;
  }

  config(): Promise<WidgetConfig> {
    return this.call('config');
  }

  /** Starts or resumes the visitor's session (only once they open the widget or hold a token). */
  async startVisitor(): Promise<VisitorSession> {
    const { userId, userHash, name, email } = this.embed.identity;
    const session = await this.call<VisitorSession>('visitors', {
      method: 'POST',
      json: {
        ...(this.token ? { token: this.token } : {}),
        ...(userId ? { userId } : {}),
        ...(userHash ? { userHash } : {}),
        ...(name ? { name } : {}),
        ...(email ? { email } : {}),
      },
    });
    this.token = session.token;
    return session;
  }

  upload(file: File): Promise<ChatUpload> {
    return this.call('uploads', {
      method: 'POST',
      // Header values are Latin-1: a file name in any script travels percent-encoded.
      headers: { 'content-type': file.type, 'x-file-name': encodeURIComponent(file.name) },
      body: file,
    });
  }

  offline(body: {
    name?: string;
    email: string;
    text: string;
  }): Promise<{ conversationId: number; answerBy: string | null }> {
    return this.call('offline', { method: 'POST', json: body });
  }

  callback(phone: string): Promise<void> {
    return this.call('callback', { method: 'POST', json: { phone } });
  }

  continueByEmail(email: string): Promise<void> {
    return this.call('continue-by-email', { method: 'POST', json: { email } });
  }

  transcript(email: string | undefined): Promise<void> {
    return this.call('transcript', { method: 'POST', json: email ? { email } : {} });
  }
}
