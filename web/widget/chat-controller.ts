/**
 * The widget's state and what changes it: the config, the visitor's session (started only when they
 * open the widget or already hold a token), the socket's frames, the outbox, read and unread, and
 * the one sound across tabs. The UI (app.tsx) renders `snapshot` and calls the methods.
 */
import type {
  ChatMessage,
  ChatUpload,
  ChatWaiting,
  ServerFrame,
  WidgetConfig,
} from '../../src/api-types/chat.ts';
import { WidgetApi, WidgetApiError } from './api.ts';
import {
  Outbox,
  lastReadable,
  reconnectDelay,
  mergeMessages,
  newClientId,
  unreadCount,
  type PendingMessage,
} from './chat-state.ts';
import { ChatConnection } from './connection.ts';
import type { Embed } from './embed.ts';
import { beep } from './sound.ts';
import { Tabs } from './tabs.ts';

export interface ChatSnapshot {
  readonly config: WidgetConfig | null;
  readonly open: boolean;
  /** `refused`: the server will not chat with this identity (identity verification failed). */
  readonly session: 'none' | 'starting' | 'ready' | 'refused';
  readonly connected: boolean;
  /** The socket was up once and dropped: show that it is reconnecting. */
  readonly reconnecting: boolean;
  readonly messages: readonly ChatMessage[];
  readonly pending: readonly PendingMessage[];
  readonly unread: number;
  readonly advisor: { readonly name: string; readonly photoUrl: string | null } | null;
  readonly advisorTyping: { readonly name: string | null } | null;
  /** The advisor has read the visitor's messages up to this id. */
  readonly advisorReadUpTo: number;
  readonly waiting: ChatWaiting | null;
  readonly status: 'open' | 'resolved' | null;
  readonly conversationId: number | null;
  /** The server's last error frame, or a failed call, in the server's words. */
  readonly error: string | null;
}

const typingEveryMs = 3_000;
const typingIdleMs = 4_000;
const advisorTypingForgetMs = 10_000;
/** Without a stored read mark, how long after the first welcome the history is taken to be in. */
const historyWindowMs = 1_500;

function storageOrNull(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export class ChatController {
  snapshot: ChatSnapshot = {
    config: null,
    open: false,
    session: 'none',
    connected: false,
    reconnecting: false,
    messages: [],
    pending: [],
    unread: 0,
    advisor: null,
    advisorTyping: null,
    advisorReadUpTo: 0,
    waiting: null,
    status: null,
    conversationId: null,
    error: null,
  };

  readonly api: WidgetApi;
  private readonly tabs: Tabs;
  private readonly outbox: Outbox;
  private readonly tokenName: string;
  private readonly listeners = new Set<() => void>();
  private connection: ChatConnection | null = null;
  private starting: Promise<void> | null = null;
  /** The highest id received as a `message` frame: the hello's cursor. */
  private cursor: number | null = null;
  private readUpTo: number | null;
  private welcomeUnread = 0;
  private firstWelcomeAt: number | null = null;
  private lastReadSent = 0;
  private lastPageSent: string | null = null;
  private typingSentAt = 0;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private advisorTypingTimer: ReturnType<typeof setTimeout> | undefined;
  private refusals = 0;
  private sessionRetries = 0;

  constructor(private readonly embed: Embed) {
    this.api = new WidgetApi(embed);
    const prefix = `rapport-chat:${embed.key}`;
    const storage = storageOrNull();
    this.tabs = new Tabs(prefix, storage);
    this.outbox = new Outbox(storage, `${prefix}:outbox`);
    // One token per signed-in user of the site, so a shared computer does not mix two people.
    this.tokenName = embed.identity.userId ? `token:${embed.identity.userId}` : 'token';
    const read = Number(this.tabs.read('read') ?? 'none');
    this.readUpTo = Number.isSafeInteger(read) && read >= 0 ? read : null;
    this.tabs.listen((note) => {
      if (note.type === 'read') this.advanceRead(note.upTo, false);
    });
    document.addEventListener('visibilitychange', () => this.markRead());
    window.addEventListener('focus', () => this.markRead());
    window.addEventListener('popstate', () => this.sendPage());
    window.addEventListener('hashchange', () => this.sendPage());
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(change: Partial<ChatSnapshot>): void {
    const messages = change.messages ?? this.snapshot.messages;
    const unread =
      this.readUpTo === null ? this.welcomeUnread : unreadCount(messages, this.readUpTo);
    this.snapshot = { ...this.snapshot, ...change, unread };
    for (const listener of this.listeners) listener();
  }

  /** Loads the config (retrying quietly) and resumes a session the visitor already has. */
  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.set({ config: await this.api.config() });
        break;
      } catch (error) {
        // An unknown account stays invisible; a server that is down gets a few more tries.
        if (error instanceof WidgetApiError && error.status < 500 && error.status !== 429) return;
        if (attempt >= 5) return;
        await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt));
      }
    }
    if (this.tabs.read(this.tokenName) || this.outbox.list().length > 0) void this.ensureSession();
  }

  /** Starts (or resumes) the visitor's session and its socket; at most one start at a time. */
  ensureSession(): Promise<void> {
    if (this.snapshot.session === 'ready' || this.snapshot.session === 'refused')
      return Promise.resolve();
    this.starting ??= this.startSession().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async startSession(): Promise<void> {
    this.set({ session: 'starting' });
    this.api.token = this.tabs.read(this.tokenName);
    // A new visitor has no history: whatever arrives from now on is unread.
    if (!this.api.token && this.readUpTo === null) this.advanceRead(0, false);
    let session;
    try {
      session = await this.api.startVisitor();
    } catch (error) {
      if (error instanceof WidgetApiError && (error.status === 401 || error.status === 403)) {
        if (this.api.token && this.snapshot.open) {
          // The stored token is no longer good (erased visitor, new key): start afresh.
          this.tabs.write(this.tokenName, null);
          this.api.token = null;
          try {
            session = await this.api.startVisitor();
          } catch (again) {
            return this.failSession(again);
          }
        } else {
          if (this.api.token) this.tabs.write(this.tokenName, null);
          return this.failSession(error);
        }
      } else {
        return this.failSession(error);
      }
    }
    this.tabs.write(this.tokenName, session.token);
    this.sessionRetries = 0;
    this.set({ session: 'ready', conversationId: session.conversationId, error: null });
    this.connection ??= new ChatConnection(this.api.socketUrl(), {
      hello: () => ({
        type: 'hello',
        token: this.api.token ?? '',
        ...(this.embed.identity.userId ? { userId: this.embed.identity.userId } : {}),
        ...(this.embed.identity.userHash ? { userHash: this.embed.identity.userHash } : {}),
        after: this.cursor,
      }),
      frame: (frame) => this.onFrame(frame),
      state: (open) =>
        this.set({
          connected: open,
          reconnecting: !open && this.firstWelcomeAt !== null,
        }),
      refused: (reason) => void this.onRefused(reason),
    });
    this.connection.start();
  }

  private failSession(error: unknown): void {
    const answered = error instanceof WidgetApiError;
    const refused = answered && (error.status === 401 || error.status === 403);
    this.set({
      session: refused && this.embed.identity.userId ? 'refused' : 'none',
      // A network failure says nothing useful to the visitor: "reconnecting" covers it.
      error: answered ? error.message : null,
      reconnecting: !answered,
    });
    const temporary = !answered || error.status >= 500 || error.status === 429;
    if (temporary && (this.snapshot.open || this.snapshot.pending.length > 0))
      setTimeout(() => void this.ensureSession(), reconnectDelay(this.sessionRetries++));
  }

  private async onRefused(reason: string): Promise<void> {
    // The socket refused the token or identity: ask for a fresh session once or twice, then stop.
    this.connection?.stop();
    this.connection = null;
    this.set({ session: 'none', connected: false, error: reason || null });
    if (++this.refusals > 2) {
      this.set({ session: 'refused' });
      return;
    }
    await this.ensureSession();
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'welcome': {
        this.firstWelcomeAt ??= Date.now();
        if (this.readUpTo === null) {
          this.welcomeUnread = frame.unread;
          setTimeout(() => this.settleUnknownRead(), historyWindowMs);
        }
        this.lastReadSent = 0;
        this.set({ conversationId: frame.conversationId, error: null });
        this.resendOutbox();
        this.sendPage();
        this.markRead();
        return;
      }
      case 'message':
        return this.onMessage(frame.message);
      case 'ack': {
        this.outbox.remove(frame.clientId);
        const pending = this.snapshot.pending.find((p) => p.clientId === frame.clientId);
        const messages =
          pending && !this.snapshot.messages.some((m) => m.id === frame.id)
            ? mergeMessages(this.snapshot.messages, [
                {
                  id: frame.id,
                  clientId: pending.clientId,
                  author: 'visitor',
                  name: null,
                  photoUrl: null,
                  text: pending.text,
                  attachments: pending.attachments.map((a) => ({
                    id: a.id,
                    name: a.name,
                    contentType: a.contentType,
                    size: a.size,
                  })),
                  at: pending.at,
                  conversationId: frame.conversationId,
                },
              ])
            : this.snapshot.messages;
        this.set({
          messages,
          pending: this.snapshot.pending.filter((p) => p.clientId !== frame.clientId),
          conversationId: frame.conversationId,
        });
        return;
      }
      case 'typing':
        clearTimeout(this.advisorTypingTimer);
        if (frame.typing)
          this.advisorTypingTimer = setTimeout(
            () => this.set({ advisorTyping: null }),
            advisorTypingForgetMs,
          );
        this.set({ advisorTyping: frame.typing ? { name: frame.name } : null });
        return;
      case 'read':
        if (frame.upTo > this.snapshot.advisorReadUpTo) this.set({ advisorReadUpTo: frame.upTo });
        return;
      case 'seen':
        this.advanceRead(frame.upTo, false);
        return;
      case 'advisor':
        this.set({ advisor: { name: frame.name, photoUrl: frame.photoUrl }, waiting: null });
        return;
      case 'waiting': {
        const { position, estimatedWaitMs, offerCallback, offerEmail } = frame;
        this.set({ waiting: { position, estimatedWaitMs, offerCallback, offerEmail } });
        return;
      }
      case 'status':
        this.set({
          status: frame.status,
          ...(frame.status === 'resolved' ? { waiting: null, advisorTyping: null } : {}),
        });
        return;
      case 'error':
        this.set({ error: frame.detail });
        return;
      case 'pong':
        return;
    }
  }

  private onMessage(message: ChatMessage): void {
    if (message.clientId) this.outbox.remove(message.clientId);
    const isNew = !this.snapshot.messages.some((m) => m.id === message.id);
    if (this.cursor === null || message.id > this.cursor) this.cursor = message.id;
    const fromUs = message.author !== 'visitor';
    this.set({
      messages: mergeMessages(this.snapshot.messages, [message]),
      pending: this.snapshot.pending.filter((p) => p.clientId !== message.clientId),
      conversationId: message.conversationId,
      ...(fromUs && message.author === 'advisor'
        ? {
            advisorTyping: null,
            waiting: null,
            status: 'open' as const,
            ...(message.name
              ? { advisor: { name: message.name, photoUrl: message.photoUrl } }
              : {}),
          }
        : {}),
    });
    if (fromUs && isNew) this.announce(message.id);
    this.markRead();
  }

  /**
   * A new message from us: exactly one tab of the visitor's plays the sound (none when the visitor
   * is looking at this chat), and every tab tells the page (`rapportchat:message`).
   */
  private announce(id: number): void {
    if (this.readUpTo !== null && id <= this.readUpTo) return;
    const visible = document.visibilityState === 'visible';
    const looking = this.snapshot.open && visible && document.hasFocus();
    void this.tabs.claimSound(id, looking ? 0 : visible ? 50 : 400).then((claimed) => {
      const sound = claimed && !looking;
      if (sound) beep();
      window.dispatchEvent(new CustomEvent('rapportchat:message', { detail: { id, sound } }));
    });
  }

  /** No stored read mark and the history is in: the last `unread` of it are the unread ones. */
  private settleUnknownRead(): void {
    if (this.readUpTo !== null) return;
    const ours = this.snapshot.messages.filter((m) => m.author !== 'visitor').map((m) => m.id);
    const read = ours.length - this.welcomeUnread - 1;
    this.advanceRead(read >= 0 ? ours[read]! : 0, false);
  }

  private advanceRead(upTo: number, tell: boolean): void {
    if (this.readUpTo !== null && upTo <= this.readUpTo) return;
    this.readUpTo = upTo;
    this.tabs.write('read', String(upTo));
    if (tell) this.tabs.tell({ type: 'read', upTo });
    this.set({});
  }

  /** The visitor is looking at the chat: everything in it is read (here, in every tab, for us). */
  markRead(): void {
    if (!this.snapshot.open || document.visibilityState !== 'visible') return;
    const upTo = lastReadable(this.snapshot.messages);
    if (upTo === 0) return;
    this.advanceRead(upTo, true);
    if (upTo > this.lastReadSent && this.connection?.send({ type: 'read', upTo }))
      this.lastReadSent = upTo;
  }

  private sendPage(): void {
    const url = location.href;
    if (url === this.lastPageSent) return;
    if (
      this.connection?.send({
        type: 'page',
        url: url.slice(0, 2000),
        title: document.title.slice(0, 300),
        ...(document.referrer ? { referrer: document.referrer.slice(0, 2000) } : {}),
      })
    )
      this.lastPageSent = url;
  }

  /** After a (re)connect: everything not acknowledged goes again, this tab's and the outbox's. */
  private resendOutbox(): void {
    const stored = new Set(this.snapshot.messages.map((m) => m.clientId));
    const mine = new Set(this.snapshot.pending.map((p) => p.clientId));
    const adopted = this.outbox
      .list()
      .filter((p) => !mine.has(p.clientId) && !stored.has(p.clientId));
    if (adopted.length > 0) this.set({ pending: [...this.snapshot.pending, ...adopted] });
    for (const pending of this.snapshot.pending) {
      this.connection?.send({
        type: 'message',
        clientId: pending.clientId,
        text: pending.text,
        ...(pending.attachments.length > 0 ? { attachments: pending.attachments } : {}),
      });
    }
  }

  open(): void {
    if (this.snapshot.open) return;
    this.set({ open: true });
    void this.ensureSession();
    this.markRead();
  }

  close(): void {
    this.stopTyping();
    this.set({ open: false });
  }

  /** Sends a message: kept in the outbox until the server acknowledges it, resent after a drop. */
  send(text: string, attachments: readonly ChatUpload[]): void {
    const trimmed = text.trim();
    if (trimmed === '' && attachments.length === 0) return;
    const pending: PendingMessage = {
      clientId: newClientId(),
      text: trimmed,
      attachments,
      at: new Date().toISOString(),
    };
    this.outbox.add(pending);
    this.set({ pending: [...this.snapshot.pending, pending], error: null });
    this.stopTyping();
    void this.ensureSession();
    this.connection?.send({
      type: 'message',
      clientId: pending.clientId,
      text: pending.text,
      ...(attachments.length > 0 ? { attachments } : {}),
    });
  }

  /** The visitor is typing: tell the advisor at most every few seconds, and when they stop. */
  typing(): void {
    const now = Date.now();
    if (now - this.typingSentAt > typingEveryMs) {
      if (this.connection?.send({ type: 'typing', typing: true })) this.typingSentAt = now;
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), typingIdleMs);
  }

  private stopTyping(): void {
    clearTimeout(this.typingTimer);
    if (this.typingSentAt === 0) return;
    this.typingSentAt = 0;
    this.connection?.send({ type: 'typing', typing: false });
  }

  /** Runs a call that needs the visitor's session (uploads, forms), starting it when needed. */
  async withSession<T>(call: (api: WidgetApi) => Promise<T>): Promise<T> {
    await this.ensureSession();
    if (this.snapshot.session !== 'ready') throw new Error(this.snapshot.error ?? 'no session');
    return call(this.api);
  }

  /** Who the company's page says is signed in (to prefill forms). */
  get identity(): Embed['identity'] {
    return this.embed.identity;
  }
}
