import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { testDatabases, testNats } from './databases.ts';
import { json, startHarness, type Harness } from './harness.ts';
import { natsBus, type EventBus } from '../src/platform/events/bus.ts';
import { systemActor, type DomainEvent } from '../src/platform/events/event.ts';
import { inProcessBus } from '../src/platform/events/bus.ts';
import { createWriter } from '../src/platform/db/writer.ts';
import { hashPassword, setPassword } from '../src/advisors/advisors.ts';

const databases = await testDatabases();
const nats = await testNats();

/** Collects what arrives and lets a test wait for the first message that matches. */
class Inbox<T> {
  readonly received: T[] = [];
  private waiters: Array<{ match: (item: T) => boolean; resolve: (item: T) => void }> = [];

  push(item: T): void {
    this.received.push(item);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(item)) return true;
      w.resolve(item);
      return false;
    });
  }

  next(match: (item: T) => boolean): Promise<T> {
    const found = this.received.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
}

type LiveMessage = Partial<DomainEvent> & { type: string; advisorId?: number };

/** Opens /api/live as whoever the cookie belongs to and waits for the greeting. */
async function openLive(port: number, cookie: string) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api/live`, { headers: { cookie } });
  const inbox = new Inbox<LiveMessage>();
  socket.on('message', (data) => inbox.push(JSON.parse(String(data)) as LiveMessage));
  await inbox.next((m) => m.type === 'hello');
  return { socket, inbox };
}

for (const db of databases) {
  describe(`live events over the WebSocket on ${db.name}`, { skip: db.skip }, () => {
    let h: Harness;
    let port: number;
    const sockets: WebSocket[] = [];

    async function inbound(email: string, teamId: number) {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: { kind: 'chat_message', from: { email }, text: `Hello from ${email}`, teamId },
      });
      assert.equal(response.statusCode, 201, response.body);
      return json<{ interactionId: number; conversationId: number }>(response);
    }

    before(async () => {
      h = await startHarness(await db.open());
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      port = (h.app.server.address() as AddressInfo).port;
    });
    after(async () => {
      for (const socket of sockets) socket.terminate();
      await h?.close();
    });

    test('an advisor hears about a contact in their team and not about another team’s case; a supervisor hears both', async () => {
      const advisor = await openLive(port, await h.signIn(h.fixture.people.advisor.email));
      const supervisor = await openLive(port, await h.signIn(h.fixture.people.supervisor.email));
      sockets.push(advisor.socket, supervisor.socket);

      // The other team's contact goes first: events reach a socket in commit order, so by the
      // time the Care contact arrives, the Tech one would have arrived too if it were let through.
      const tech = await inbound('tech-customer@example.com', h.fixture.teams.tech);
      const care = await inbound('care-customer@example.com', h.fixture.teams.care);
      const isReceived = (id: number) => (m: LiveMessage) =>
        m.type === 'interaction.received' && m.entity?.id === id;

      const careEvent = await advisor.inbox.next(isReceived(care.interactionId));
      assert.equal(careEvent.scope?.teamId, h.fixture.teams.care);
      assert.equal(careEvent.scope?.conversationId, care.conversationId);
      const leaked = advisor.inbox.received.filter(
        (m) => m.type !== 'hello' && m.scope?.teamId !== h.fixture.teams.care,
      );
      assert.deepEqual(
        leaked,
        [],
        'the advisor of Care received events of another team or of no case',
      );

      await supervisor.inbox.next(isReceived(tech.interactionId));
      await supervisor.inbox.next(isReceived(care.interactionId));
    });

    test('a shop advisor does not hear about contact-centre cases', async () => {
      const shop = await openLive(port, await h.signIn(h.fixture.people.shopAdvisor.email));
      sockets.push(shop.socket);
      await inbound('another-care-customer@example.com', h.fixture.teams.care);
      // A shop visit after it: once that arrives, the Care contact has had its chance to leak.
      const visit = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'shop_visit',
          from: { phone: '+33612345670' },
          text: 'Came for a repair',
          shopId: h.fixture.shopId,
        },
      });
      assert.equal(visit.statusCode, 201, visit.body);
      const { interactionId } = json<{ interactionId: number }>(visit);
      await shop.inbox.next(
        (m) => m.type === 'interaction.received' && m.entity?.id === interactionId,
      );
      const leaked = shop.inbox.received.filter(
        (m) => m.type !== 'hello' && m.scope?.shopId !== h.fixture.shopId,
      );
      assert.deepEqual(leaked, []);
    });

    test('an anonymous socket is closed with code 4401', async () => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/api/live`);
      const [code] = (await once(socket, 'close')) as [number];
      assert.equal(code, 4401);
    });

    test('an open socket stops streaming once its session ends', { timeout: 15_000 }, async () => {
      const cookie = await h.signIn(h.fixture.people.advisor.email);
      const live = await openLive(port, cookie);
      sockets.push(live.socket);
      const logout = await h.app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        headers: { cookie },
      });
      assert.equal(logout.statusCode, 204);
      const closed = once(live.socket, 'close').then(() => 'closed' as const);
      const { interactionId } = await inbound('after-logout@example.com', h.fixture.teams.care);
      const heard = live.inbox
        .next((m) => m.type === 'interaction.received' && m.entity?.id === interactionId)
        .then(() => 'heard' as const);
      assert.equal(
        await Promise.race([closed, heard]),
        'closed',
        'a signed-out advisor still receives case events',
      );
    });

    /** The close code of the socket if it closes within a second, else 'still open'. */
    function closedWithinASecond(socket: WebSocket): Promise<number | 'still open'> {
      return Promise.race([
        once(socket, 'close').then(([code]) => code as number),
        new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 1_000)),
      ]);
    }

    test('a socket opened with an API token closes within a second of the token’s revocation', async () => {
      const admin = await h.signIn(h.fixture.people.admin.email);
      const issued = await h.app.inject({
        method: 'POST',
        url: '/api/tokens',
        headers: { cookie: admin },
        payload: { name: 'live socket', advisorId: h.fixture.people.advisor.id },
      });
      assert.equal(issued.statusCode, 201, issued.body);
      const { id, token } = json<{ id: number; token: string }>(issued);
      const socket = new WebSocket(`ws://127.0.0.1:${port}/api/live`, {
        headers: { authorization: `Bearer ${token}` },
      });
      sockets.push(socket);
      const inbox = new Inbox<LiveMessage>();
      socket.on('message', (data) => inbox.push(JSON.parse(String(data)) as LiveMessage));
      await inbox.next((m) => m.type === 'hello');
      const closed = closedWithinASecond(socket);
      const revoked = await h.app.inject({
        method: 'DELETE',
        url: `/api/tokens/${id}`,
        headers: { cookie: admin },
      });
      assert.equal(revoked.statusCode, 204);
      assert.equal(await closed, 4401);
    });

    test('a socket closes within a second of a password reset written by another process, as `rapport user reset-password` does', async () => {
      const live = await openLive(port, await h.signIn(h.fixture.people.shopAdvisor.email));
      sockets.push(live.socket);
      const closed = closedWithinASecond(live.socket);
      // The command's own process: its own writer and a bus no server hears (no NATS here).
      const command = createWriter(h.ctx.store.db, inProcessBus(), h.clock);
      const passwordHash = await hashPassword('a brand new password');
      await command.run((unit) =>
        setPassword(unit, h.fixture.people.shopAdvisor.id, passwordHash, systemActor),
      );
      await command.drain();
      assert.equal(await closed, 4401);
    });

    test('a socket with an ended session is closed with code 4401', async () => {
      const cookie = await h.signIn(h.fixture.people.techAdvisor.email);
      const logout = await h.app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        headers: { cookie },
      });
      assert.equal(logout.statusCode, 204);
      const socket = new WebSocket(`ws://127.0.0.1:${port}/api/live`, { headers: { cookie } });
      const [code] = (await once(socket, 'close')) as [number];
      assert.equal(code, 4401);
    });
  });

  describe(
    `the NATS event bus between two nodes on ${db.name}`,
    { skip: db.skip || nats.skip },
    () => {
      // A subject prefix of our own, so parallel runs on the same NATS server do not hear each other.
      const prefix = `rapport-test-${process.pid}-${db.name}-${Date.now()}`;
      let busA: EventBus;
      let busB: EventBus;
      let nodeA: Harness;
      const heardOnB = new Inbox<DomainEvent>();

      before(async () => {
        busA = await natsBus(nats.url, prefix);
        busB = await natsBus(nats.url, prefix);
        busB.subscribe((event) => heardOnB.push(event));
        // B hearing its own message proves the server holds B's subscription before A publishes.
        const ping: DomainEvent = {
          id: 0,
          type: 'test.ping',
          actor: { type: 'system', id: null },
          entity: { type: 'test', id: 0 },
          scope: {},
          before: null,
          after: null,
          at: 0,
        };
        await busB.publish([ping]);
        await heardOnB.next((e) => e.type === 'test.ping');
        nodeA = await startHarness(await db.open(), { bus: busA });
      });
      after(async () => {
        await nodeA?.close(); // closes bus A with node A's context
        await busB?.close();
      });

      test('an event published after a write on node A reaches a listener on node B', async () => {
        const response = await nodeA.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers: { authorization: `Bearer ${nodeA.fixture.gatewayToken}` },
          payload: {
            kind: 'email',
            from: { email: 'across@example.com' },
            text: 'Heard on every node?',
          },
        });
        assert.equal(response.statusCode, 201, response.body);
        const { interactionId, conversationId } = json<{
          interactionId: number;
          conversationId: number;
        }>(response);
        const event = await heardOnB.next(
          (e) => e.type === 'interaction.received' && e.entity.id === interactionId,
        );
        assert.equal(event.scope.conversationId, conversationId);
        assert.deepEqual(event.actor, { type: 'channel', id: nodeA.fixture.people.gateway.id });
        const stored = await nodeA.ctx.store.db
          .selectFrom('events')
          .select(['id', 'type'])
          .where('id', '=', event.id)
          .executeTakeFirst();
        assert.deepEqual(stored, { id: event.id, type: 'interaction.received' });
      });

      test('a unit of work that throws publishes nothing, even when it shares a batch with one that commits', async () => {
        const actor = { type: 'system', id: null } as const;
        const failing = nodeA.ctx.writer.run(async (unit) => {
          await unit.record({ type: 'test.rolled-back', actor, entity: { type: 'test', id: 1 } });
          throw new Error('changed my mind');
        });
        const committing = nodeA.ctx.writer.run((unit) =>
          unit.record({ type: 'test.committed', actor, entity: { type: 'test', id: 2 } }),
        );
        const [failed, committed] = await Promise.allSettled([failing, committing]);
        assert.equal(failed.status, 'rejected');
        assert.equal(committed.status, 'fulfilled');

        // A later write as a marker: once it is heard on B, anything published before it was too.
        const marker = await nodeA.ctx.writer.run((unit) =>
          unit.record({ type: 'test.marker', actor, entity: { type: 'test', id: 3 } }),
        );
        await heardOnB.next((e) => e.id === marker.id);
        assert.ok(heardOnB.received.some((e) => e.type === 'test.committed'));
        assert.deepEqual(
          heardOnB.received.filter((e) => e.type === 'test.rolled-back'),
          [],
        );
        const stored = await nodeA.ctx.store.db
          .selectFrom('events')
          .select('type')
          .where('type', 'like', 'test.%')
          .orderBy('id')
          .execute();
        assert.deepEqual(
          stored.map((e) => e.type),
          ['test.committed', 'test.marker'],
        );
      });

      test('a refused request publishes nothing', async () => {
        const headers = { authorization: `Bearer ${nodeA.fixture.gatewayToken}` };
        const first = await nodeA.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers,
          payload: {
            kind: 'email',
            from: { email: 'twice@example.com' },
            text: 'First',
            provider: 'smtp',
            providerId: 'm-1',
          },
        });
        assert.equal(first.statusCode, 201);
        const { interactionId } = json<{ interactionId: number }>(first);
        await heardOnB.next(
          (e) => e.type === 'interaction.received' && e.entity.id === interactionId,
        );
        const before = heardOnB.received.length;
        // Valid shape, but the conversation named is not this customer's: the unit of work throws after resolving the customer.
        const refused = await nodeA.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers,
          payload: {
            kind: 'email',
            from: { email: 'brand-new@example.com' },
            text: 'Hello',
            conversationId: 999_999,
          },
        });
        assert.equal(refused.statusCode, 422, refused.body);
        const marker = await nodeA.ctx.writer.run((unit) =>
          unit.record({
            type: 'test.marker',
            actor: { type: 'system', id: null },
            entity: { type: 'test', id: 4 },
          }),
        );
        await heardOnB.next((e) => e.id === marker.id);
        // Other areas (routing rounds) may publish meanwhile; nothing may speak of the refused contact.
        const aboutRefused = heardOnB.received
          .slice(before)
          .filter((e) => JSON.stringify(e).includes('brand-new@example.com'));
        assert.deepEqual(aboutRefused, [], 'the refused contact’s customer was announced');
        const identities = await nodeA.ctx.store.db
          .selectFrom('identities')
          .select('id')
          .where('value', '=', 'brand-new@example.com')
          .execute();
        assert.deepEqual(identities, []);
      });
    },
  );
}
