/**
 * The contract every channel adapter passes (email, chat, voice, SMS, social, the company's own
 * gateway): each adapter's test calls `runAdapterContract` with a harness that speaks its provider's
 * format. Inbound: a bad signature is refused and stores nothing, a re-delivery returns the same
 * interaction, our own echo is never stored as a customer's message. Outbound (adapters that send):
 * a send returns the provider's id and carries the idempotency key, and each HTTP failure lands in
 * its kind of the closed set. The fake provider is a local HTTP server the account's base URL points at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  ProviderFailure,
  type AdapterAccount,
  type ChannelAdapter,
  type InboundAdapter,
  type OutboundMessage,
  type ProviderFailureKind,
} from './adapter.ts';

/** What an inbound delivery answered, as the adapter's route reports it. */
export interface DeliveryAnswer {
  readonly status: number;
  readonly interactionId?: number | undefined;
  readonly duplicate?: boolean | undefined;
  readonly automated?: boolean | undefined;
}

/** How a provider answers a message it took. */
export interface ProviderSuccess {
  readonly status: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The provider id `send` must return for it. */
  readonly providerId: string;
}

/** What one adapter's test gives the contract: its provider's format, over the running server. */
export interface AdapterContractHarness {
  readonly adapter: InboundAdapter | ChannelAdapter;
  /** Delivers one customer contact with the provider's message id `id`, signed as asked. */
  deliverContact(id: string, signature: 'valid' | 'bad'): Promise<DeliveryAnswer>;
  /** Delivers a signature older than the replay window, when the provider signs with a time. */
  deliverStale?(id: string): Promise<DeliveryAnswer>;
  /** Delivers our own message coming back (our own address as sender, or a machine's mark). */
  deliverEcho(id: string): Promise<DeliveryAnswer>;
  /** How many interactions carry this provider id. */
  storedWith(id: string): Promise<number>;
  /** How many customers' messages (inbound, not automated) are stored in all. */
  customerMessages(): Promise<number>;
  /** For adapters that send: an account of theirs whose provider base URL is `baseUrl`. */
  accountFor?(baseUrl: string): AdapterAccount;
  /** For adapters that send: how their provider answers a message it took. */
  success?: ProviderSuccess;
  /** The request header that carries the idempotency key, where the provider supports one. */
  idempotencyHeader?: string;
  /**
   * For adapters that send with no outside provider (the website chat stores and pushes the
   * message itself): the id a send must return. The send items then check that id and that every
   * attempt with one idempotency key gets the same one; the items about a provider's HTTP failures
   * and reachability do not apply and skip, saying so.
   */
  sendsWithoutProvider?: { providerIdOf(message: OutboundMessage): string };
}

/** A one-shot fake provider: answers every request with `answer`, records what it received. */
async function withProvider<T>(
  answer: { status: number; body: string; headers?: Readonly<Record<string, string>> },
  run: (baseUrl: string, received: http.IncomingHttpHeaders[]) => Promise<T>,
): Promise<T> {
  const received: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((request, response) => {
    received.push(request.headers);
    request.resume();
    request.on('end', () =>
      response
        .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
        .end(answer.body),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    return await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, received);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const message: OutboundMessage = {
  interactionId: 4242,
  conversationId: 42,
  channel: 'sms',
  kind: 'sms',
  to: '+33612345678',
  subject: 'Your parcel',
  text: 'It leaves today.',
  html: null,
  attachments: [],
  threadId: null,
  idempotencyKey: 'send:4242',
};

let counter = 0;
const freshId = (what: string) => `contract-${what}-${Date.now()}-${++counter}`;

/**
 * Registers the contract's tests in the caller's `describe`. `harness` is called inside each test,
 * so the caller may build it in a `before` hook.
 */
export function runAdapterContract(harness: () => AdapterContractHarness): void {
  test('a request with a bad signature is refused and nothing is stored', async () => {
    const h = harness();
    const id = freshId('bad');
    const before = await h.customerMessages();
    const answer = await h.deliverContact(id, 'bad');
    assert.equal(answer.status, 401);
    assert.equal(await h.storedWith(id), 0);
    assert.equal(await h.customerMessages(), before);
  });

  test('a signature older than the replay window is refused', async (t) => {
    const h = harness();
    if (!h.deliverStale) return t.skip('this provider does not sign with a time');
    const id = freshId('stale');
    assert.equal((await h.deliverStale(id)).status, 401);
    assert.equal(await h.storedWith(id), 0);
  });

  test('a re-delivery returns the same interaction and stores nothing more', async () => {
    const h = harness();
    const id = freshId('again');
    const first = await h.deliverContact(id, 'valid');
    assert.ok(first.status === 200 || first.status === 201, `status ${first.status}`);
    assert.equal(first.duplicate, false);
    const again = await h.deliverContact(id, 'valid');
    assert.ok(again.status === 200 || again.status === 201, `status ${again.status}`);
    assert.equal(again.duplicate, true);
    assert.equal(again.interactionId, first.interactionId);
    assert.equal(await h.storedWith(id), 1);
  });

  test('our own echo is never stored as a customer’s message', async () => {
    const h = harness();
    const before = await h.customerMessages();
    const answer = await h.deliverEcho(freshId('echo'));
    assert.ok(answer.status < 300, `status ${answer.status}`);
    assert.ok(answer.duplicate === true || answer.automated === true, 'taken as a customer');
    assert.equal(await h.customerMessages(), before);
  });

  const sender = (h: AdapterContractHarness): ChannelAdapter | undefined =>
    'send' in h.adapter && h.accountFor && h.success ? h.adapter : undefined;

  test('a send returns the provider’s id and carries the idempotency key', async (t) => {
    const h = harness();
    if (h.sendsWithoutProvider && 'send' in h.adapter) {
      const account: AdapterAccount = {
        id: 1,
        channel: message.channel,
        provider: h.adapter.provider,
        address: 'contract',
        settings: {},
        secrets: {},
      };
      const first = await h.adapter.send(message, account);
      assert.equal(first.providerId, h.sendsWithoutProvider.providerIdOf(message));
      const again = await h.adapter.send(message, account);
      assert.equal(again.providerId, first.providerId, 'a retried send is another message');
      return;
    }
    const adapter = sender(h);
    if (!adapter || !h.success) return t.skip('this adapter only takes contacts in');
    await withProvider(h.success, async (baseUrl, received) => {
      const receipt = await adapter.send(message, h.accountFor!(baseUrl));
      assert.equal(receipt.providerId, h.success!.providerId);
      assert.equal(received.length, 1);
      if (h.idempotencyHeader)
        assert.equal(received[0]![h.idempotencyHeader], message.idempotencyKey);
    });
  });

  const cases: readonly [number, ProviderFailureKind, Record<string, string>?][] = [
    [429, 'rate_limited', { 'retry-after': '7' }],
    [500, 'temporary'],
    [503, 'temporary'],
    [401, 'permission'],
    [403, 'permission'],
    [404, 'not_found'],
    [400, 'permanent'],
  ];
  test('provider failures: 429 is a rate limit with its wait, 5xx temporary, 401/403 permission, 404 not found', async (t) => {
    const h = harness();
    if (h.sendsWithoutProvider) return t.skip('no outside provider: no HTTP answer to classify');
    const adapter = sender(h);
    if (!adapter) return t.skip('this adapter only takes contacts in');
    for (const [status, kind, headers] of cases) {
      await withProvider(
        { status, body: JSON.stringify({ error: 'no' }), ...(headers ? { headers } : {}) },
        async (baseUrl) => {
          const thrown = await adapter.send(message, h.accountFor!(baseUrl)).then(
            () => assert.fail(`a ${status} was taken as sent`),
            (error: unknown) => adapter.classify(error),
          );
          assert.ok(thrown instanceof ProviderFailure);
          assert.equal(thrown.kind, kind, `HTTP ${status}`);
          if (status === 429) assert.equal(thrown.retryAfterMs, 7_000);
        },
      );
    }
  });

  test('a provider that cannot be reached is a temporary failure', async (t) => {
    const h = harness();
    if (h.sendsWithoutProvider) return t.skip('no outside provider: nothing to be unreachable');
    const adapter = sender(h);
    if (!adapter) return t.skip('this adapter only takes contacts in');
    // A port that was just free: nothing listens there.
    const closed = await withProvider({ status: 200, body: '{}' }, async (baseUrl) => baseUrl);
    const failure = await adapter.send(message, h.accountFor!(closed)).then(
      () => assert.fail('a send to nowhere was taken as sent'),
      (error: unknown) => adapter.classify(error),
    );
    assert.equal(failure.kind, 'temporary');
  });
}
