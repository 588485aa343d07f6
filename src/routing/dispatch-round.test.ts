import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../test/databases.ts';
import { json, password, startHarness, type Harness } from '../../test/harness.ts';
import { createAdvisor, hashPassword } from '../advisors/advisors.ts';
import { systemActor } from '../platform/events/event.ts';
import { ingestInbound } from '../conversations/interactions.ts';
import type { WorkItemRow } from '../platform/db/schema.ts';
import { DEFAULT_SERVICE_LEVELS, type ChannelCounts, type Presence } from './types.ts';
import { dispatchWork, type DispatchRound } from './dispatch-round.ts';
import { missedOfferPauseMs } from './offers.ts';
import { setCapacity, setPresence } from './presence.ts';
import { queueFigures } from './queue-figures.ts';
import { queueWork } from './work-items.ts';

const databases = await testDatabases();
const SECOND = 1000;

for (const database of databases) {
  describe(`the work queue on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let passwordHash: string;
    let gateway: Record<string, string>;
    let serial = 0;

    before(async () => {
      h = await startHarness(await database.open());
      passwordHash = await hashPassword(password);
      gateway = { authorization: `Bearer ${h.fixture.gatewayToken}` };
    });
    after(async () => h.close());

    const dispatch = (): Promise<DispatchRound> =>
      h.ctx.writer.run((unit) => dispatchWork(unit, h.ctx.store.dialect));

    /** A fresh contact-centre team, so each test routes among its own people only. */
    async function newTeam(): Promise<number> {
      return h.ctx.writer.run(
        async (unit) =>
          (
            await unit.db
              .insertInto('teams')
              .values({ name: `Team ${++serial}`, kind: 'contact_centre', created_at: unit.now })
              .returning('id')
              .executeTakeFirstOrThrow()
          ).id,
      );
    }

    async function newAdvisor(
      teamId: number,
      presence: Presence = 'available',
      capacity: Partial<ChannelCounts> = {},
    ): Promise<{ id: number; email: string }> {
      const n = ++serial;
      const advisor = await h.ctx.writer.run((unit) =>
        createAdvisor(
          unit,
          {
            name: `Advisor ${n}`,
            email: `advisor${n}@routing.test`,
            role: 'advisor',
            teamId,
            shopId: null,
            passwordHash,
          },
          systemActor,
        ),
      );
      if (Object.keys(capacity).length > 0)
        await h.ctx.writer.run((unit) => setCapacity(unit, advisor.id, capacity, systemActor));
      await presenceOf(advisor.id, presence);
      // Each advisor becomes free a moment after the previous one: "longest idle" is well defined.
      h.clock.advance(SECOND);
      return { id: advisor.id, email: advisor.email };
    }

    const presenceOf = (advisorId: number, presence: Presence) =>
      h.ctx.writer.run((unit) =>
        setPresence(unit, advisorId, presence, { type: 'advisor', id: advisorId }),
      );

    async function inbound(
      teamId: number,
      email: string,
      kind: 'chat_message' | 'call' | 'email' = 'chat_message',
    ): Promise<{ conversationId: number; customerId: number }> {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: gateway,
        payload: { kind, from: { email }, text: `Hello (${++serial})`, teamId },
      });
      assert.ok([200, 201].includes(response.statusCode), response.body);
      return json<{ conversationId: number; customerId: number }>(response);
    }

    /** A contact from a customer whose last advisor is `lastAdvisorId`, queued as the inbound route does. */
    async function returningContact(
      teamId: number,
      email: string,
      lastAdvisorId: number,
    ): Promise<{ conversationId: number; customerId: number }> {
      return h.ctx.writer.run(async (unit) => {
        const contact = await ingestInbound(
          unit,
          { kind: 'chat_message', from: { email }, text: 'Me again', teamId },
          {
            defaultRegion: 'FR',
            actor: { type: 'channel', id: null },
            dialect: h.ctx.store.dialect,
          },
        );
        await unit.db
          .updateTable('customers')
          .set({ last_advisor_id: lastAdvisorId })
          .where('id', '=', contact.customerId)
          .execute();
        await queueWork(unit, contact.conversationId, 'chat_message');
        return { conversationId: contact.conversationId, customerId: contact.customerId };
      });
    }

    const itemsOf = (conversationId: number): Promise<WorkItemRow[]> =>
      h.ctx.store.db
        .selectFrom('work_items')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .orderBy('id')
        .execute();

    async function liveItemOf(conversationId: number): Promise<WorkItemRow> {
      const live = (await itemsOf(conversationId)).filter((i) =>
        ['waiting', 'offered', 'assigned'].includes(i.status),
      );
      assert.equal(live.length, 1, `one live work item for case ${conversationId}`);
      return live[0]!;
    }

    async function as(email: string) {
      const cookie = await h.signIn(email);
      return (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) =>
        h.app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
    }

    test('an inbound contact queues one work item per case; a second message on the case adds none', async () => {
      const team = await newTeam();
      const first = await inbound(team, 'one-item@example.com');
      const second = await inbound(team, 'one-item@example.com');
      assert.equal(second.conversationId, first.conversationId);
      const items = await itemsOf(first.conversationId);
      assert.equal(items.length, 1);
      const item = items[0]!;
      assert.equal(item.status, 'waiting');
      assert.equal(item.kind, 'chat');
      assert.equal(item.channel, 'chat');
      assert.deepEqual(JSON.parse(item.skills), [`team:${team}`]);
      assert.equal(item.deadline_at, item.created_at + DEFAULT_SERVICE_LEVELS.chat.thresholdMs);
    });

    test("an available advisor of the case's team is offered it on the next dispatch; another team's is not", async () => {
      const team = await newTeam();
      const otherTeam = await newTeam();
      const outsider = await newAdvisor(otherTeam);
      const { conversationId } = await inbound(team, 'team-only@example.com');
      await dispatch();
      assert.equal((await liveItemOf(conversationId)).status, 'waiting');

      const member = await newAdvisor(team);
      const round = await dispatch();
      const item = await liveItemOf(conversationId);
      assert.equal(item.status, 'offered');
      assert.equal(item.advisor_id, member.id);
      assert.notEqual(item.advisor_id, outsider.id);
      assert.equal(
        item.offer_expires_at,
        h.clock.now() + DEFAULT_SERVICE_LEVELS.chat.offerTimeoutMs,
      );
      assert.deepEqual(
        round.offers.filter((o) => o.itemId === String(item.id)).map((o) => o.advisorId),
        [String(member.id)],
      );
    });

    test('accepting an offer assigns the item and makes the advisor the owner of the case', async () => {
      const team = await newTeam();
      const member = await newAdvisor(team);
      const { conversationId } = await inbound(team, 'accept@example.com');
      await dispatch();
      const item = await liveItemOf(conversationId);
      const request = await as(member.email);

      const me = json<{ items: Array<{ id: number; status: string }> }>(
        await request('GET', '/api/routing/me'),
      );
      assert.deepEqual(
        me.items.map((i) => [i.id, i.status]),
        [[item.id, 'offered']],
      );
      const accepted = await request('POST', `/api/routing/work-items/${item.id}/accept`);
      assert.equal(accepted.statusCode, 200, accepted.body);
      const after = await liveItemOf(conversationId);
      assert.equal(after.status, 'assigned');
      assert.equal(after.advisor_id, member.id);
      assert.equal(after.accepted_at, h.clock.now());
      const conversation = await h.ctx.store.db
        .selectFrom('conversations')
        .select('owner_id')
        .where('id', '=', conversationId)
        .executeTakeFirstOrThrow();
      assert.equal(conversation.owner_id, member.id);

      const again = await request('POST', `/api/routing/work-items/${item.id}/accept`);
      assert.equal(again.statusCode, 409);
    });

    test('declining puts the item back in the queue, no longer held for the one who declined', async () => {
      const team = await newTeam();
      const preferred = await newAdvisor(team);
      const colleague = await newAdvisor(team);
      const { conversationId } = await returningContact(team, 'decline@example.com', preferred.id);
      await dispatch();
      const offered = await liveItemOf(conversationId);
      assert.equal(offered.preferred_advisor_id, preferred.id);
      assert.equal(offered.advisor_id, preferred.id, 'the preferred advisor comes first');

      h.clock.advance(SECOND);
      const request = await as(preferred.email);
      const declined = await request('POST', `/api/routing/work-items/${offered.id}/decline`);
      assert.equal(declined.statusCode, 200, declined.body);
      const back = await liveItemOf(conversationId);
      assert.equal(back.status, 'waiting');
      assert.equal(back.advisor_id, null);
      assert.equal(back.preferred_advisor_id, null);
      assert.equal(back.affinity_until, null);
      assert.equal(back.created_at, offered.created_at);
      assert.equal(back.deadline_at, offered.deadline_at);

      await dispatch();
      assert.equal((await liveItemOf(conversationId)).advisor_id, colleague.id);
      const twice = await request('POST', `/api/routing/work-items/${offered.id}/decline`);
      assert.equal(twice.statusCode, 404, 'the offer is no longer theirs');
    });

    test('an offer not accepted before it expires returns to the queue and moves on', async () => {
      const team = await newTeam();
      const first = await newAdvisor(team, 'available', { chat: 1 });
      const second = await newAdvisor(team, 'available', { chat: 1 });
      const { conversationId } = await inbound(team, 'expire@example.com');
      await dispatch();
      const offered = await liveItemOf(conversationId);
      assert.equal(offered.advisor_id, first.id, 'the longest idle advisor comes first');

      h.clock.advance(offered.offer_expires_at! - h.clock.now() - 1);
      await dispatch();
      assert.equal((await liveItemOf(conversationId)).advisor_id, first.id, 'not yet expired');

      h.clock.advance(1);
      const round = await dispatch();
      assert.equal(round.expired, 1);
      const moved = await liveItemOf(conversationId);
      assert.equal(moved.status, 'offered');
      assert.equal(moved.advisor_id, second.id);
      const expiredEvents = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('entity_type', '=', 'work_item')
        .where('entity_id', '=', offered.id)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        expiredEvents.map((e) => e.type),
        ['work-item.queued', 'work-item.offered', 'work-item.offer-expired', 'work-item.offered'],
      );

      const take = await (
        await as(second.email)
      )('POST', `/api/routing/work-items/${moved.id}/accept`);
      assert.equal(take.statusCode, 200, take.body);

      // The advisor who missed it gets no new offer for a short pause, then does again.
      const next = await inbound(team, 'expire-next@example.com');
      await dispatch();
      assert.equal((await liveItemOf(next.conversationId)).status, 'waiting');
      h.clock.advance(missedOfferPauseMs);
      await dispatch();
      assert.equal((await liveItemOf(next.conversationId)).advisor_id, first.id);
      const late = await (
        await as(first.email)
      )('POST', `/api/routing/work-items/${offered.id}/accept`);
      assert.equal(late.statusCode, 404, 'the expired offer cannot be accepted any more');
    });

    test('a returning customer is offered to their last advisor when free', async () => {
      const team = await newTeam();
      const last = await newAdvisor(team);
      await newAdvisor(team);
      const first = await inbound(team, 'returning@example.com');
      await dispatch();
      const firstItem = await liveItemOf(first.conversationId);
      assert.equal(firstItem.advisor_id, last.id);
      const request = await as(last.email);
      await request('POST', `/api/routing/work-items/${firstItem.id}/accept`);
      const replied = await request(
        'POST',
        `/api/conversations/${first.conversationId}/interactions`,
        {
          kind: 'chat_message',
          text: 'All sorted, have a good day',
        },
      );
      assert.equal(replied.statusCode, 201, replied.body);
      const resolved = await request('PATCH', `/api/conversations/${first.conversationId}`, {
        status: 'resolved',
      });
      assert.equal(resolved.statusCode, 200, resolved.body);

      // The other advisor has been idle longer, but the customer's last advisor is free.
      h.clock.advance(10 * SECOND);
      const again = await inbound(team, 'returning@example.com');
      assert.notEqual(again.conversationId, first.conversationId);
      const item = await liveItemOf(again.conversationId);
      assert.equal(item.preferred_advisor_id, last.id);
      const round = await dispatch();
      const offered = await liveItemOf(again.conversationId);
      assert.equal(offered.advisor_id, last.id);
      assert.equal(
        round.offers.find((o) => o.itemId === String(item.id))?.reason,
        'preferred_advisor',
      );
    });

    test('a returning customer waits for their busy last advisor within the affinity window, then falls back', async () => {
      const team = await newTeam();
      const last = await newAdvisor(team, 'available', { chat: 1 });
      const other = await newAdvisor(team);
      const busyWith = await inbound(team, 'keeps-last-busy@example.com');
      await dispatch();
      // `last` (idle longest) now holds one chat: their whole chat capacity.
      assert.equal((await liveItemOf(busyWith.conversationId)).advisor_id, last.id);

      const returning = await returningContact(team, 'waits-for-last@example.com', last.id);
      const queued = await liveItemOf(returning.conversationId);
      assert.equal(
        queued.affinity_until,
        h.clock.now() + DEFAULT_SERVICE_LEVELS.chat.affinityWindowMs,
      );
      await dispatch();
      assert.equal((await liveItemOf(returning.conversationId)).status, 'waiting', 'held');
      h.clock.advance(DEFAULT_SERVICE_LEVELS.chat.affinityWindowMs - 1);
      await dispatch();
      assert.equal((await liveItemOf(returning.conversationId)).status, 'waiting', 'still held');
      h.clock.advance(1);
      await dispatch();
      const fellBack = await liveItemOf(returning.conversationId);
      assert.equal(fellBack.status, 'offered');
      assert.equal(fellBack.advisor_id, other.id);
    });

    test('going on a break or offline hands back offers not yet accepted', async () => {
      const team = await newTeam();
      const member = await newAdvisor(team);
      const { conversationId } = await inbound(team, 'break@example.com');
      await dispatch();
      assert.equal((await liveItemOf(conversationId)).advisor_id, member.id);
      const request = await as(member.email);
      const onBreak = await request('PUT', '/api/routing/presence', { presence: 'break' });
      assert.equal(onBreak.statusCode, 200, onBreak.body);
      const back = await liveItemOf(conversationId);
      assert.equal(back.status, 'waiting');
      assert.equal(back.advisor_id, null);
      await dispatch();
      assert.equal((await liveItemOf(conversationId)).status, 'waiting', 'not offered on a break');

      await request('PUT', '/api/routing/presence', { presence: 'available' });
      await dispatch();
      assert.equal((await liveItemOf(conversationId)).advisor_id, member.id);
      await request('PUT', '/api/routing/presence', { presence: 'offline' });
      assert.equal((await liveItemOf(conversationId)).status, 'waiting');
    });

    test('a chat stays with its advisor after a reply; resolving completes the item and frees the capacity for the next one', async () => {
      const team = await newTeam();
      const member = await newAdvisor(team, 'available', { chat: 1 });
      const a = await inbound(team, 'complete-a@example.com');
      h.clock.advance(SECOND);
      const b = await inbound(team, 'complete-b@example.com');
      await dispatch();
      const itemA = await liveItemOf(a.conversationId);
      assert.equal(itemA.advisor_id, member.id, 'the earlier deadline goes first');
      assert.equal((await liveItemOf(b.conversationId)).status, 'waiting', 'no room for a second');
      const request = await as(member.email);
      await request('POST', `/api/routing/work-items/${itemA.id}/accept`);
      const note = await request('POST', `/api/conversations/${a.conversationId}/interactions`, {
        kind: 'note',
        text: 'Checking the account',
      });
      assert.equal(note.statusCode, 201, note.body);
      assert.equal((await liveItemOf(a.conversationId)).status, 'assigned', 'a note does not');

      const reply = await request('POST', `/api/conversations/${a.conversationId}/interactions`, {
        kind: 'chat_message',
        text: 'Here is your answer',
      });
      assert.equal(reply.statusCode, 201, reply.body);
      assert.equal((await liveItemOf(a.conversationId)).status, 'assigned', 'the chat goes on');
      await dispatch();
      assert.equal((await liveItemOf(b.conversationId)).status, 'waiting', 'her chat slot is held');

      h.clock.advance(SECOND);
      const ended = await request('PATCH', `/api/conversations/${a.conversationId}`, {
        status: 'resolved',
      });
      assert.equal(ended.statusCode, 200, ended.body);
      const done = (await itemsOf(a.conversationId))[0]!;
      assert.equal(done.status, 'done');
      assert.equal(done.completed_at, h.clock.now());

      await dispatch();
      const itemB = await liveItemOf(b.conversationId);
      assert.equal(itemB.advisor_id, member.id);
      await request('POST', `/api/routing/work-items/${itemB.id}/accept`);
      const resolved = await request('PATCH', `/api/conversations/${b.conversationId}`, {
        status: 'resolved',
      });
      assert.equal(resolved.statusCode, 200, resolved.body);
      assert.equal((await itemsOf(b.conversationId))[0]!.status, 'done');
    });

    test('a callback keeps its arrival time and deadline and moves to the voice channel', async () => {
      const team = await newTeam();
      const { conversationId } = await inbound(team, 'callback@example.com');
      const before = await liveItemOf(conversationId);
      h.clock.advance(90 * SECOND);
      const response = await h.app.inject({
        method: 'POST',
        url: `/api/routing/work-items/${before.id}/callback`,
        headers: gateway,
        payload: { phone: '06 12 34 56 78' },
      });
      assert.equal(response.statusCode, 200, response.body);
      const after = await liveItemOf(conversationId);
      assert.equal(after.kind, 'callback');
      assert.equal(after.channel, 'voice');
      assert.equal(after.callback_number, '+33612345678');
      assert.equal(after.created_at, before.created_at);
      assert.equal(after.deadline_at, before.deadline_at);

      const member = await newAdvisor(team);
      await dispatch();
      const offered = await liveItemOf(conversationId);
      assert.equal(
        offered.advisor_id,
        member.id,
        'it is a call now, for an advisor who takes calls',
      );
      const tooLate = await h.app.inject({
        method: 'POST',
        url: `/api/routing/work-items/${before.id}/callback`,
        headers: gateway,
        payload: { phone: '0612345678' },
      });
      assert.equal(tooLate.statusCode, 409, 'only a waiting item becomes a callback');
    });

    test('a snoozed case leaves the queue and comes back when the snooze runs out', async () => {
      const team = await newTeam();
      const contact = await inbound(team, `snooze${++serial}@example.com`, 'email');
      assert.equal((await liveItemOf(contact.conversationId)).status, 'waiting');
      const cookie = await h.signIn(h.fixture.people.supervisor.email);
      const until = new Date(h.clock.now() + 3_600_000).toISOString();
      const snoozed = await h.app.inject({
        method: 'PATCH',
        url: `/api/conversations/${contact.conversationId}`,
        headers: { cookie },
        payload: { snoozedUntil: until },
      });
      assert.equal(snoozed.statusCode, 200, snoozed.body);
      assert.deepEqual(
        (await itemsOf(contact.conversationId)).map((i) => i.status),
        ['withdrawn'],
      );
      await newAdvisor(team);
      await dispatch();
      assert.deepEqual(
        (await itemsOf(contact.conversationId)).map((i) => i.status),
        ['withdrawn'],
        'nobody is offered a snoozed case',
      );
      h.clock.advance(3_600_000 + SECOND);
      await dispatch();
      const back = await liveItemOf(contact.conversationId);
      assert.equal(back.status, 'offered');
    });

    test('queue figures give who waits, the longest wait, an estimate and callback advice', async () => {
      const team = await newTeam();
      const member = await newAdvisor(team, 'available', { voice: 1, chat: 0 });
      const calls = [];
      for (let i = 0; i < 4; i++) {
        calls.push(await inbound(team, `queue-${i}@example.com`, 'call'));
        h.clock.advance(10 * SECOND);
      }
      await dispatch();
      const first = await liveItemOf(calls[0]!.conversationId);
      assert.equal(first.advisor_id, member.id);
      const request = await as(member.email);
      await request('POST', `/api/routing/work-items/${first.id}/accept`);

      const figures = await queueFigures(h.ctx.store.db, h.clock.now(), { teamId: team });
      const voice = figures.find((f) => f.channel === 'voice')!;
      assert.equal(voice.waiting, 3);
      assert.equal(voice.longestWaitMs, 30 * SECOND, 'the second caller arrived 30 s ago');
      assert.equal(voice.slotsOnShift, 1);
      assert.equal(voice.freeSlots, 0);
      // No handle times yet: the fallback of 5 minutes per call, four callers ahead of a new one.
      assert.equal(voice.estimatedWaitMs, 4 * 300_000);
      assert.equal(voice.offerCallback, true);
      // Nobody on shift takes chats in this team: no estimate, and a callback is the honest advice.
      const chat = figures.find((f) => f.channel === 'chat')!;
      assert.equal(chat.waiting, 0);
      assert.equal(chat.slotsOnShift, 0);
      assert.equal(chat.estimatedWaitMs, null);
      assert.equal(chat.offerCallback, true);

      const response = await request('GET', '/api/routing/queues');
      assert.equal(response.statusCode, 200, response.body);
      const mine = json<{ channels: Array<{ channel: string; waiting: number }> }>(response);
      assert.equal(mine.channels.find((c) => c.channel === 'voice')?.waiting, 3);

      // With an empty queue and a free slot a new caller waits for nobody.
      const quiet = await newTeam();
      await newAdvisor(quiet, 'available', { voice: 1 });
      const idle = await queueFigures(h.ctx.store.db, h.clock.now(), { teamId: quiet });
      const idleVoice = idle.find((f) => f.channel === 'voice')!;
      assert.equal(idleVoice.estimatedWaitMs, 0);
      assert.equal(idleVoice.offerCallback, false);
    });
  });
}
