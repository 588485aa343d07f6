import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { testDatabases } from '../../test/databases.ts';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { inProcessBus } from '../platform/events/bus.ts';
import type { DomainEvent } from '../platform/events/event.ts';
import { startJobWorkers, type JobWorkers } from '../platform/jobs/workers.ts';
import { startWebhookFanOut, webhookJobs } from './delivery.ts';
import { signatureHeader, verifySignature } from '../platform/net/signature.ts';
import { matchesEventType } from './webhooks.ts';

const databases = await testDatabases();
const secretKey = 'a test key that is long enough for HKDF, 32+';

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A local receiver that answers each request with the next status in its script (then 200). */
async function startReceiver() {
  const received: Received[] = [];
  let script: number[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = script.shift() ?? 200;
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end(status === 200 ? 'thanks' : `refused with ${status}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/rapport`,
    received,
    answer(statuses: number[]) {
      script = [...statuses];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('event type patterns: exact types, prefixes and everything', () => {
  assert.ok(matchesEventType(['interaction.received'], 'interaction.received'));
  assert.ok(!matchesEventType(['interaction.received'], 'interaction.receivedx'));
  assert.ok(matchesEventType(['conversation.*'], 'conversation.opened'));
  assert.ok(!matchesEventType(['conversation.*'], 'conversations.opened'));
  assert.ok(!matchesEventType(['conversation.*'], 'conversation'));
  assert.ok(matchesEventType(['*'], 'customer.created'));
});

test('a receiver verifies the signature from the documented header, and a changed body fails', () => {
  const secret = 'whsec_test';
  const body = '{"id":1,"type":"interaction.received"}';
  const header = signatureHeader(secret, 1_764_000_000, body);
  assert.match(header, /^t=1764000000,v1=[0-9a-f]{64}$/);
  assert.equal(verifySignature(secret, header, body, 1_764_000_010), null);
  assert.equal(
    verifySignature(secret, header, body.replace('1', '2'), 1_764_000_010),
    'signature does not match',
  );
  assert.equal(
    verifySignature('whsec_other', header, body, 1_764_000_010),
    'signature does not match',
  );
  assert.equal(
    verifySignature(secret, header, body, 1_764_000_000 + 3600),
    'timestamp outside the tolerance',
  );
});

for (const db of databases) {
  describe(`outbound webhooks on ${db.name}`, { skip: db.skip }, () => {
    let h: Harness;
    let admin: Record<string, string>;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let workers: JobWorkers;
    let stopFanOut: () => void;
    let customerId = 0;
    const logLines: string[] = [];
    const secrets: string[] = [];

    const inject = (method: string, url: string, payload?: unknown, headers = admin) =>
      h.app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });

    async function subscribe(eventTypes: string[], name = `Billing ${secrets.length}`) {
      const response = await inject('POST', '/api/admin/webhooks', {
        name,
        url: receiver.url,
        eventTypes,
      });
      assert.equal(response.statusCode, 201, response.body);
      const created = json<{ subscription: { id: number }; secret: string }>(response);
      secrets.push(created.secret);
      return { id: created.subscription.id, secret: created.secret };
    }

    async function inbound(email: string) {
      const response = await inject(
        'POST',
        '/api/interactions/inbound',
        { kind: 'email', from: { email }, text: 'Where is my invoice?' },
        { authorization: `Bearer ${h.fixture.gatewayToken}` },
      );
      assert.equal(response.statusCode, 201, response.body);
      return json<{ interactionId: number; conversationId: number; customerId: number }>(response);
    }

    const attempts = async (subscriptionId: number) =>
      json<{
        items: Array<{
          deliveryId: string;
          eventId: number;
          attempt: number;
          outcome: string;
          statusCode: number | null;
          error: string | null;
          responseExcerpt: string | null;
        }>;
      }>(await inject('GET', `/api/admin/webhooks/${subscriptionId}/deliveries`)).items;

    const eventOf = async (type: string, entityId: number) =>
      h.ctx.store.db
        .selectFrom('events')
        .select('id')
        .where('type', '=', type)
        .where('entity_id', '=', entityId)
        .executeTakeFirstOrThrow();

    before(async () => {
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          logLines.push(chunk.toString('utf8'));
          done();
        },
      });
      h = await startHarness(await db.open(), {
        config: { secretKey, logLevel: 'debug' },
        logger: pino({ level: 'debug' }, sink),
      });
      admin = { cookie: await h.signIn(h.fixture.people.admin.email) };
      receiver = await startReceiver();
      const jobs = webhookJobs(h.ctx, { timeoutMs: 2_000 });
      workers = startJobWorkers({
        dialect: h.ctx.store.dialect,
        writer: h.ctx.writer,
        logger: h.ctx.logger,
        handlers: jobs.handlers,
        onDead: jobs.onDead,
        pollMs: 10,
        maxAgeMs: 365 * 86_400_000,
        backoff: { baseMs: 1, capMs: 1 },
        random: () => 0,
      });
      stopFanOut = startWebhookFanOut(h.ctx);
    });
    after(async () => {
      stopFanOut?.();
      await workers?.stop();
      await receiver?.close();
      await h?.close();
    });

    test('a subscription to 127.0.0.1 is refused (422 naming url) until an admin allow-lists it', async () => {
      const refused = await inject('POST', '/api/admin/webhooks', {
        name: 'CRM',
        url: receiver.url,
        eventTypes: ['interaction.received'],
      });
      assert.equal(refused.statusCode, 422, refused.body);
      assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
      const problem = json<{ errors: Array<{ field: string; reason: string }> }>(refused);
      assert.equal(problem.errors[0]!.field, 'url');
      assert.match(problem.errors[0]!.reason, /loopback address \(127\.0\.0\.1\)/);
      assert.equal((await attemptsTable()).subscriptions, 0);

      const bad = await inject('PUT', '/api/admin/webhook-allow-list', { entries: ['not a host'] });
      assert.equal(bad.statusCode, 422, bad.body);
      const put = await inject('PUT', '/api/admin/webhook-allow-list', {
        entries: ['127.0.0.1/32'],
      });
      assert.equal(put.statusCode, 200, put.body);
      assert.deepEqual(json(await inject('GET', '/api/admin/webhook-allow-list')), {
        entries: ['127.0.0.1/32'],
      });
      await subscribe(['shop.*'], 'CRM');
    });

    async function attemptsTable() {
      const row = await h.ctx.store.db
        .selectFrom('webhook_subscriptions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return { subscriptions: Number(row.n) };
    }

    test('an inbound contact reaches the receiver as a signed POST a receiver can verify', async () => {
      const { id, secret } = await subscribe(['interaction.received']);
      const before = receiver.received.length;
      const contact = await inbound('signed@example.com');
      customerId = contact.customerId;
      const event = await eventOf('interaction.received', contact.interactionId);
      const request = await until('the signed POST', async () =>
        receiver.received
          .slice(before)
          .find((r) => r.headers['rapport-event-type'] === 'interaction.received'),
      );
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['rapport-event-id'], String(event.id));
      assert.match(String(request.headers['rapport-delivery-id']), /^[0-9a-f-]{36}$/);
      const header = String(request.headers['rapport-signature']);
      const t = Number(/^t=(\d+),/.exec(header)![1]);
      assert.equal(verifySignature(secret, header, request.body, t), null);
      const payload = JSON.parse(request.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(payload), [
        'id',
        'type',
        'at',
        'actor',
        'entity',
        'scope',
        'data',
      ]);
      assert.equal(payload.id, event.id);
      assert.deepEqual(payload.entity, { type: 'interaction', id: contact.interactionId });
      assert.equal(
        (payload.scope as { conversationId: number }).conversationId,
        contact.conversationId,
      );
      const log = await until('the delivered row', async () => {
        const rows = await attempts(id);
        return rows.find((r) => r.eventId === event.id && r.outcome === 'delivered');
      });
      assert.equal(log.statusCode, 200);
      assert.equal(log.responseExcerpt, 'thanks');
    });

    test('a receiver answering 500 then 200 gets the event again after a retry, same delivery and event id', async () => {
      const { id } = await subscribe(['customer.updated']);
      receiver.answer([500]);
      const before = receiver.received.length;
      const patched = await inject('PATCH', `/api/customers/${customerId}`, {
        displayName: 'Retried Name',
      });
      assert.equal(patched.statusCode, 200, patched.body);
      const event = await eventOf('customer.updated', customerId);
      const rows = await until('the delivered row after a retry', async () => {
        const all = await attempts(id);
        return all.some((r) => r.outcome === 'delivered') ? all : undefined;
      });
      assert.deepEqual(
        rows.map((r) => [r.attempt, r.outcome, r.statusCode]),
        [
          [2, 'delivered', 200],
          [1, 'retrying', 500],
        ],
      );
      assert.match(rows[1]!.error!, /^500: refused with 500/);
      const seen = receiver.received
        .slice(before)
        .filter((r) => r.headers['rapport-event-id'] === String(event.id));
      assert.equal(seen.length, 2);
      assert.equal(
        seen[0]!.headers['rapport-delivery-id'],
        seen[1]!.headers['rapport-delivery-id'],
      );
      assert.equal(seen[1]!.headers['rapport-delivery-id'], rows[0]!.deliveryId);
      // Delivered exactly once: nothing more arrives for this event.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(
        receiver.received.filter((r) => r.headers['rapport-event-id'] === String(event.id)).length,
        2,
      );
    });

    test('a receiver answering 400 fails the delivery at once and the log says why', async () => {
      const { id } = await subscribe(['webhook.ping']);
      receiver.answer([400]);
      const ping = await inject('POST', `/api/admin/webhooks/${id}/ping`);
      assert.equal(ping.statusCode, 202, ping.body);
      const { deliveryId } = json<{ deliveryId: string }>(ping);
      const job = await until('the dead job', () =>
        h.ctx.store.db
          .selectFrom('jobs')
          .select(['state', 'attempts', 'last_error'])
          .where('payload', 'like', `%${deliveryId}%`)
          .where('state', '=', 'dead')
          .executeTakeFirst(),
      );
      assert.equal(job.attempts, 1);
      assert.match(job.last_error!, /^400: refused with 400/);
      const rows = await attempts(id);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.outcome, 'failed');
      assert.equal(rows[0]!.statusCode, 400);
      assert.match(rows[0]!.error!, /^400/);

      // Redelivering sends the same event as a new delivery, which now succeeds.
      const again = await inject(
        'POST',
        `/api/admin/webhook-deliveries/${rowIdOf(rows[0]!)}/redeliver`,
      );
      assert.equal(again.statusCode, 202, again.body);
      const redelivered = json<{ deliveryId: string; eventId: number }>(again);
      assert.notEqual(redelivered.deliveryId, deliveryId);
      await until('the redelivery', async () =>
        (await attempts(id)).find(
          (r) => r.deliveryId === redelivered.deliveryId && r.outcome === 'delivered',
        ),
      );
    });

    function rowIdOf(row: unknown): number {
      return (row as { id: number }).id;
    }

    test('two nodes hearing the same event, and the sweeper publishing it again, make one delivery', async () => {
      const { id } = await subscribe(['conversation.opened']);
      const otherNode = inProcessBus(h.ctx.logger);
      const stopOther = startWebhookFanOut({ ...h.ctx, bus: otherNode });
      try {
        const contact = await inbound('two-nodes@example.com');
        const row = await h.ctx.store.db
          .selectFrom('events')
          .selectAll()
          .where('type', '=', 'conversation.opened')
          .where('entity_id', '=', contact.conversationId)
          .executeTakeFirstOrThrow();
        const event: DomainEvent = {
          id: row.id,
          type: row.type,
          actor: { type: row.actor_type as DomainEvent['actor']['type'], id: row.actor_id },
          entity: { type: row.entity_type, id: row.entity_id },
          scope: { conversationId: row.conversation_id, customerId: row.customer_id },
          before: null,
          after: row.after === null ? null : (JSON.parse(row.after) as unknown),
          at: row.created_at,
        };
        await otherNode.publish([event]);
        await h.ctx.bus.publish([event]);
        await until('the delivery', async () =>
          (await attempts(id)).find((r) => r.eventId === row.id && r.outcome === 'delivered'),
        );
        await h.ctx.writer.drain();
        await new Promise((resolve) => setTimeout(resolve, 200));
        const jobs = await h.ctx.store.db
          .selectFrom('jobs')
          .select('id')
          .where('key', '=', `webhook:${id}:${row.id}`)
          .execute();
        assert.equal(jobs.length, 1);
        assert.equal(
          receiver.received.filter((r) => r.headers['rapport-event-id'] === String(row.id)).length,
          1,
        );
        assert.equal((await attempts(id)).length, 1);
      } finally {
        stopOther();
        await otherNode.close();
      }
    });

    test('the secret never appears in an API answer after creation, nor in the log, nor in clear at rest', async () => {
      const created = await inject(
        'POST',
        '/api/admin/webhooks',
        { name: 'Rotated', url: receiver.url, eventTypes: ['macro.*'] },
        { ...admin, 'idempotency-key': 'create-rotated' },
      );
      assert.equal(created.statusCode, 201, created.body);
      const { subscription, secret } = json<{ subscription: { id: number }; secret: string }>(
        created,
      );
      assert.match(secret, /^whsec_/);
      secrets.push(secret);
      // A replay with the same key answers the subscription, without the secret.
      const replay = await inject(
        'POST',
        '/api/admin/webhooks',
        { name: 'Rotated', url: receiver.url, eventTypes: ['macro.*'] },
        { ...admin, 'idempotency-key': 'create-rotated' },
      );
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(json(replay).secret, null);
      assert.equal(json<{ subscription: { id: number } }>(replay).subscription.id, subscription.id);

      const rotated = await inject('POST', `/api/admin/webhooks/${subscription.id}/rotate-secret`);
      assert.equal(rotated.statusCode, 200, rotated.body);
      const fresh = json<{ secret: string }>(rotated).secret;
      assert.notEqual(fresh, secret);
      secrets.push(fresh);
      const before = receiver.received.length;
      const macro = await inject('POST', '/api/macros', { name: 'Thanks', body: 'Thank you!' });
      assert.equal(macro.statusCode, 201, macro.body);
      const request = await until('the macro event', async () =>
        receiver.received
          .slice(before)
          .find((r) => r.headers['rapport-event-type'] === 'macro.created'),
      );
      const header = String(request.headers['rapport-signature']);
      const t = Number(/^t=(\d+),/.exec(header)![1]);
      assert.equal(
        verifySignature(fresh, header, request.body, t),
        null,
        'signed with the new secret',
      );
      assert.equal(verifySignature(secret, header, request.body, t), 'signature does not match');

      const answers = [
        await inject('GET', '/api/admin/webhooks'),
        await inject('PATCH', `/api/admin/webhooks/${subscription.id}`, { name: 'Renamed' }),
        await inject('GET', `/api/admin/webhooks/${subscription.id}/deliveries`),
        await inject('GET', '/api/admin/webhook-allow-list'),
        await inject('GET', '/api/events?limit=500'),
        await inject('GET', '/api/admin/jobs?state=done'),
      ];
      const stored = await h.ctx.store.db.selectFrom('webhook_subscriptions').selectAll().execute();
      const keys = await h.ctx.store.db.selectFrom('idempotency_keys').selectAll().execute();
      const events = await h.ctx.store.db.selectFrom('events').selectAll().execute();
      const jobs = await h.ctx.store.db.selectFrom('jobs').selectAll().execute();
      await h.ctx.writer.drain();
      assert.ok(logLines.length > 0, 'the log was captured');
      for (const s of secrets) {
        for (const answer of answers) {
          assert.ok(answer.statusCode < 300, answer.body);
          assert.ok(!answer.body.includes(s), `a secret in ${answer.body.slice(0, 80)}`);
        }
        assert.ok(!logLines.join('\n').includes(s), 'a secret in the log');
        for (const rows of [stored, keys, events, jobs])
          assert.ok(!JSON.stringify(rows).includes(s), 'a secret in clear in the database');
      }
      assert.ok(stored.every((r) => r.secret_sealed.startsWith('v1:')));
    });
  });
}

describe('a Rapport without RAPPORT_SECRET_KEY', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(await databases[0]!.open());
  });
  after(() => h?.close());

  test('refuses to create a subscription with a 422 naming RAPPORT_SECRET_KEY', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/admin/webhooks',
      headers: { cookie: await h.signIn(h.fixture.people.admin.email) },
      payload: { name: 'CRM', url: 'https://crm.example.com/hooks', eventTypes: ['*'] },
    });
    assert.equal(response.statusCode, 422, response.body);
    const problem = json<{ errors: Array<{ field: string }> }>(response);
    assert.equal(problem.errors[0]!.field, 'RAPPORT_SECRET_KEY');
    const count = await h.ctx.store.db.selectFrom('webhook_subscriptions').select('id').execute();
    assert.equal(count.length, 0);
  });
});
