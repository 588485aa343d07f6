import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/** One request the fake provider received. */
export interface ProviderRequest {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/**
 * How the fake provider answers a request: a status, a body, headers; or `hang`: it takes the message
 * (as for a success) but never answers, holding the socket open, as a provider whose caller died
 * mid-request (the answer lost, the message already taken).
 */
export type ProviderAnswer =
  | {
      readonly status: number;
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly hang: true };

/**
 * A provider's API on 127.0.0.1 for tests: records every request and answers as told. By default it
 * takes each message once per Idempotency-Key (a retried key answers the first id again and counts
 * no new message), as a provider that honours the key does.
 */
export interface FakeProvider {
  readonly url: string;
  readonly requests: ProviderRequest[];
  /** Messages taken, one per Idempotency-Key. */
  readonly messages: Map<string, ProviderRequest>;
  /** The answers to give next, in order; once used up, every request is taken. */
  answers: ProviderAnswer[];
  close(): Promise<void>;
}

/** Starts a fake provider on a free port. */
export async function startFakeProvider(): Promise<FakeProvider> {
  const requests: ProviderRequest[] = [];
  const messages = new Map<string, ProviderRequest>();
  const ids = new Map<string, string>();
  const fake: FakeProvider = {
    url: '',
    requests,
    messages,
    answers: [],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const seen = {
        path: request.url ?? '/',
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(seen);
      const answer = fake.answers.shift();
      const key = String(request.headers['idempotency-key'] ?? `none-${requests.length}`);
      const take = () => {
        if (ids.has(key)) return;
        ids.set(key, `gw-${ids.size + 1}`);
        messages.set(key, seen);
      };
      if (answer && 'hang' in answer) {
        take();
        return;
      }
      if (answer) {
        response.writeHead(answer.status, {
          'content-type': 'application/json',
          ...answer.headers,
        });
        response.end(answer.body ?? JSON.stringify({ error: `answered ${answer.status}` }));
        return;
      }
      take();
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: ids.get(key) }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  (fake as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
