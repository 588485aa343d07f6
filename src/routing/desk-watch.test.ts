import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { testDatabases } from '../../test/databases.ts';
import { json, password, startHarness, type Harness } from '../../test/harness.ts';
import { createAdvisor, hashPassword } from '../advisors/advisors.ts';
import { systemActor } from '../platform/events/event.ts';
import { dispatchWork } from './dispatch-round.ts';
import { acceptOffer } from './offers.ts';
import { setPresence } from './presence.ts';
import { requeueAfterMsOf, watchDesks } from './desk-watch.ts';

const databases = await testDatabases();

test('requeueAfterMs defaults to a minute and never goes below three heartbeats', () => {
  assert.equal(requeueAfterMsOf({}), 60_000);
  assert.equal(requeueAfterMsOf({ requeueAfterMs: 'soon' }), 60_000);
  assert.equal(requeueAfterMsOf({ requeueAfterMs: 1000 }), 15_000);
  assert.equal(requeueAfterMsOf({ requeueAfterMs: 90_000 }), 90_000);
});

/** Waits (briefly, polling) for something another part of the server does after an event. */
async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const database of databases) {
  describe(`an advisor who left their desk, on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let port: number;
    let passwordHash: string;
    let serial = 0;

    before(async () => {
      h = await startHarness(await database.open());
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      port = (h.app.server.address() as AddressInfo).port;
      passwordHash = await hashPassword(password);
      await h.ctx.store.db
        .updateTable('channel_accounts')
        .set({ settings: JSON.stringify({ requeueAfterMs: 20_000 }) })
        .where('id', '=', h.fixture.accounts.chat)
        .execute();
    });
    after(async () => h.close());

    /** A team of its own with one advisor, so each test routes among its own people. */
    async function teamWithAdvisor(): Promise<{
      teamId: number;
      advisorId: number;
      email: string;
    }> {
      const n = ++serial;
      return h.ctx.writer.run(async (unit) => {
        const teamId = (
          await unit.db
            .insertInto('teams')
            .values({ name: `Desk team ${n}`, kind: 'contact_centre', created_at: unit.now })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
        const advisor = await createAdvisor(
          unit,
          {
            name: `Desk advisor ${n}`,
            email: `desk${n}@routing.test`,
            role: 'advisor',
            teamId,
            shopId: null,
            passwordHash,
          },
          systemActor,
        );
        return { teamId, advisorId: advisor.id, email: advisor.email };
      });
    }

    async function addAdvisor(teamId: number): Promise<number> {
      const n = ++serial;
      const advisor = await h.ctx.writer.run((unit) =>
        createAdvisor(
          unit,
          {
            name: `Desk advisor ${n}`,
            email: `desk${n}@routing.test`,
            role: 'advisor',
            teamId,
            shopId: null,
            passwordHash,
          },
          systemActor,
        ),
      );
      return advisor.id;
    }

    const available = (advisorId: number) =>
      h.ctx.writer.run((unit) =>
        setPresence(unit, advisorId, 'available', { type: 'advisor', id: advisorId }),
      );
    const dispatch = () => h.ctx.writer.run((unit) => dispatchWork(unit, h.ctx.store.dialect));

    async function chatIn(teamId: number): Promise<number> {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'chat_message',
          from: { email: `visitor${++serial}@desk.test` },
          text: 'Is anyone there?',
          teamId,
          accountId: h.fixture.accounts.chat,
        },
      });
      assert.equal(response.statusCode, 201, response.body);
      return json<{ conversationId: number }>(response).conversationId;
    }

    const itemOf = (conversationId: number) =>
      h.ctx.store.db
        .selectFrom('work_items')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .where('status', 'in', ['waiting', 'offered', 'assigned'])
        .executeTakeFirstOrThrow();

    /** Routes the chat to the advisor and has them accept it. */
    async function takenBy(conversationId: number, advisorId: number): Promise<number> {
      await dispatch();
      const item = await itemOf(conversationId);
      assert.equal(item.status, 'offered');
      assert.equal(item.advisor_id, advisorId);
      await h.ctx.writer.run((unit) => acceptOffer(unit, item.id, advisorId));
      return item.id;
    }

    const deskSeenAt = async (advisorId: number) =>
      (
        await h.ctx.store.db
          .selectFrom('advisor_states')
          .select('desk_seen_at')
          .where('advisor_id', '=', advisorId)
          .executeTakeFirstOrThrow()
      ).desk_seen_at;

    test('a chat whose advisor closed the desk goes back to the queue after requeueAfterMs and is offered to someone else', async () => {
      const { teamId, advisorId, email } = await teamWithAdvisor();
      await available(advisorId);
      const login = await h.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email, password },
      });
      const cookie = login.cookies.find((c) => c.name === 'rapport_session')!;
      const socket = new WebSocket(`ws://127.0.0.1:${port}/api/live`, {
        headers: { cookie: `rapport_session=${cookie.value}` },
      });
      await once(socket, 'message');
      const openedAt = h.clock.now();
      await until(
        async () => ((await deskSeenAt(advisorId)) === openedAt ? true : undefined),
        'the desk marked seen',
      );
      const conversationId = await chatIn(teamId);
      const itemId = await takenBy(conversationId, advisorId);

      h.clock.advance(5_000);
      socket.close();
      const closedAt = h.clock.now();
      await until(
        async () => (Number(await deskSeenAt(advisorId)) === closedAt ? true : undefined),
        'the closed desk marked seen',
      );

      h.clock.advance(19_000);
      await dispatch();
      assert.equal((await itemOf(conversationId)).status, 'assigned', 'not yet: 19 s of 20');

      const colleague = await addAdvisor(teamId);
      await available(colleague);
      h.clock.advance(1_000);
      await dispatch();
      const item = await itemOf(conversationId);
      assert.equal(item.id, itemId, 'the same item, back in its place');
      assert.equal(item.status, 'offered');
      assert.equal(item.advisor_id, colleague);
      const events = await h.ctx.store.db
        .selectFrom('events')
        .select(['type', 'after', 'conversation_id'])
        .where('entity_type', '=', 'work_item')
        .where('entity_id', '=', itemId)
        .orderBy('id')
        .execute();
      const requeued = events.find((e) => e.type === 'chat.requeued');
      assert.ok(requeued, 'recorded as chat.requeued');
      assert.equal(requeued.conversation_id, conversationId);
      assert.deepEqual(JSON.parse(requeued.after!), {
        conversationId,
        advisorId,
        deskSeenAt: new Date(closedAt).toISOString(),
        requeueAfterMs: 20_000,
      });
      const conversation = await h.ctx.store.db
        .selectFrom('conversations')
        .select('owner_id')
        .where('id', '=', conversationId)
        .executeTakeFirstOrThrow();
      assert.equal(conversation.owner_id, null, 'whoever takes it next owns it');
    });

    test('a desk that stays open keeps its chats: the heartbeat marks it seen', async () => {
      const { teamId, advisorId } = await teamWithAdvisor();
      await available(advisorId);
      const conversationId = await chatIn(teamId);
      const desks = watchDesks(h.ctx, 10);
      try {
        desks.opened(advisorId);
        await takenBy(conversationId, advisorId);
        h.clock.advance(120_000);
        const now = h.clock.now();
        await until(
          async () => (Number(await deskSeenAt(advisorId)) === now ? true : undefined),
          'a heartbeat',
        );
        await dispatch();
        assert.equal((await itemOf(conversationId)).status, 'assigned');
      } finally {
        desks.stop();
      }
    });

    test('an advisor whose desk was never seen (an API client) keeps their chats', async () => {
      const { teamId, advisorId } = await teamWithAdvisor();
      await available(advisorId);
      const conversationId = await chatIn(teamId);
      await takenBy(conversationId, advisorId);
      assert.equal(await deskSeenAt(advisorId), null);
      h.clock.advance(600_000);
      await dispatch();
      assert.equal((await itemOf(conversationId)).status, 'assigned');
    });
  });
}
