import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../../test/databases.ts';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { systemActor } from '../../platform/events/event.ts';
import { putThrough } from '../../routing/direct-calls.ts';
import { requestCallback } from '../../routing/callbacks.ts';
import type { Interaction } from '../../api-types/conversations.ts';
import type { Wall } from '../../api-types/insights.ts';
import { linkCall, moveCall, openCall } from './calls.ts';
import type { DueCallback } from './calls-desk.ts';

for (const database of await testDatabases()) {
  describe(`the desk's calls on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    const cookie = {} as Record<'advisor' | 'techAdvisor' | 'supervisor', string>;
    let sequence = 0;

    before(async () => {
      h = await startHarness(await database.open());
      for (const who of ['advisor', 'techAdvisor', 'supervisor'] as const)
        cookie[who] = await h.signIn(h.fixture.people[who].email);
      const presence = await h.app.inject({
        method: 'PUT',
        url: '/api/routing/presence',
        headers: { cookie: cookie.advisor },
        payload: { presence: 'available' },
      });
      assert.equal(presence.statusCode, 200, presence.body);
    });
    after(() => h.close());

    /** A customer calls team Care; the call is stored and linked like Twilio's webhook does. */
    async function inboundCall(phone: string, name: string) {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'call',
          from: { phone, name },
          text: 'Incoming call',
          teamId: h.fixture.teams.care,
        },
      });
      assert.equal(response.statusCode, 201, response.body);
      const contact = json<{ interactionId: number; conversationId: number; customerId: number }>(
        response,
      );
      const item = await h.ctx.store.db
        .selectFrom('work_items')
        .selectAll()
        .where('conversation_id', '=', contact.conversationId)
        .executeTakeFirstOrThrow();
      const call = await h.ctx.writer.run(async (unit) => {
        const opened = await openCall(unit, {
          provider: 'pbx',
          providerCallId: `desk-${++sequence}`,
          accountId: null,
          direction: 'inbound',
          from: phone,
          to: '+33100000000',
          state: 'ringing',
          at: unit.now,
        });
        await linkCall(unit, opened.id, {
          customer_id: contact.customerId,
          conversation_id: contact.conversationId,
          interaction_id: contact.interactionId,
          work_item_id: item.id,
        });
        return opened;
      });
      return { ...contact, itemId: item.id, callId: call.id };
    }

    async function callInteraction(conversationId: number, as = cookie.advisor) {
      const response = await h.app.inject({
        method: 'GET',
        url: `/api/conversations/${conversationId}/interactions`,
        headers: { cookie: as },
      });
      assert.equal(response.statusCode, 200, response.body);
      const { items } = json<{ items: Interaction[] }>(response);
      return items.find((i) => i.kind === 'call')!;
    }

    const wrapUp = (callId: number, as: string, payload: Record<string, unknown>) =>
      h.app.inject({
        method: 'POST',
        url: `/api/calls/${callId}/wrap-up`,
        headers: { cookie: as },
        payload,
      });

    test('an answered call shows its duration and advisor; the wrap-up is kept once, and a hard call gives recovery time', async () => {
      const advisorId = h.fixture.people.advisor.id;
      const call = await inboundCall('+33612000101', 'Camille Appel');
      await h.ctx.writer.run(async (unit) => {
        assert.equal(await putThrough(unit, call.itemId, advisorId, systemActor), true);
        const row = await unit.db
          .selectFrom('calls')
          .selectAll()
          .where('id', '=', call.callId)
          .executeTakeFirstOrThrow();
        await moveCall(unit, row, { state: 'in-progress', advisorId }, systemActor);
      });
      h.clock.advance(185_000);
      await h.ctx.writer.run(async (unit) => {
        const row = await unit.db
          .selectFrom('calls')
          .selectAll()
          .where('id', '=', call.callId)
          .executeTakeFirstOrThrow();
        await moveCall(unit, row, { state: 'completed', durationSeconds: 185 }, systemActor);
      });
      const before = await callInteraction(call.conversationId);
      assert.equal(before.call?.callId, call.callId);
      assert.equal(before.call?.state, 'completed');
      assert.equal(before.call?.durationSeconds, 185);
      assert.equal(before.call?.advisorId, advisorId);
      assert.equal(before.call?.wrapUp, null);

      // Another team's advisor: the call does not exist for them, exactly like a missing one.
      const body = { outcome: 'follow-up', notes: 'Wants the engineer on Friday', hard: true };
      const hidden = await wrapUp(call.callId, cookie.techAdvisor, body);
      const missing = await wrapUp(987_654, cookie.techAdvisor, body);
      assert.equal(hidden.statusCode, 404, hidden.body);
      const problem = (r: typeof hidden) => {
        const { type, title, status, detail } = json<Record<string, unknown>>(r);
        return { type, title, status, detail };
      };
      assert.deepEqual(problem(hidden), problem(missing));
      const wrong = await wrapUp(call.callId, cookie.advisor, { ...body, outcome: 'great' });
      assert.ok([400, 422].includes(wrong.statusCode), wrong.body);
      const extra = await wrapUp(call.callId, cookie.advisor, { ...body, rating: 5 });
      assert.ok([400, 422].includes(extra.statusCode), extra.body);

      const first = await wrapUp(call.callId, cookie.advisor, body);
      assert.equal(first.statusCode, 200, first.body);
      // A retry (the answer was lost) stores nothing twice.
      const again = await wrapUp(call.callId, cookie.advisor, body);
      assert.equal(again.statusCode, 200, again.body);
      const rows = await h.ctx.store.db
        .selectFrom('call_wrap_ups')
        .selectAll()
        .where('call_id', '=', call.callId)
        .execute();
      assert.equal(rows.length, 1);
      const item = await h.ctx.store.db
        .selectFrom('work_items')
        .select(['status', 'hard'])
        .where('id', '=', call.itemId)
        .executeTakeFirstOrThrow();
      assert.equal(item.status, 'done');
      assert.equal(Number(item.hard), 1);
      const state = await h.ctx.store.db
        .selectFrom('advisor_states')
        .select('recovery_until')
        .where('advisor_id', '=', advisorId)
        .executeTakeFirstOrThrow();
      assert.ok(Number(state.recovery_until) > h.clock.now(), 'recovery time after a hard call');

      const after = await callInteraction(call.conversationId);
      assert.deepEqual(
        { ...after.call?.wrapUp, at: undefined },
        {
          outcome: 'follow-up',
          notes: 'Wants the engineer on Friday',
          hard: true,
          advisorId,
          at: undefined,
        },
      );
      const events = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('type', '=', 'call.wrapped-up')
        .execute();
      assert.equal(events.length, 2);
    });

    test('the callbacks due keep the caller’s arrival for their wait, only for cases one may see, and the wall counts them', async () => {
      const call = await inboundCall('+33612000102', 'Dominique Rappel');
      await h.ctx.writer.run((unit) =>
        requestCallback(unit, call.itemId, '+33612000102', systemActor),
      );
      h.clock.advance(90_000);
      const due = await h.app.inject({
        method: 'GET',
        url: '/api/callbacks',
        headers: { cookie: cookie.advisor },
      });
      assert.equal(due.statusCode, 200, due.body);
      const mine = json<{ items: DueCallback[] }>(due).items.find((c) => c.id === call.itemId);
      assert.ok(mine, due.body);
      assert.equal(mine.customerName, 'Dominique Rappel');
      assert.equal(mine.number, '+33612000102');
      assert.equal(mine.status, 'waiting');
      assert.equal(mine.waitMs, 90_000);

      const tech = await h.app.inject({
        method: 'GET',
        url: '/api/callbacks',
        headers: { cookie: cookie.techAdvisor },
      });
      assert.equal(json<{ items: DueCallback[] }>(tech).items.length, 0, tech.body);

      const wall = await h.app.inject({
        method: 'GET',
        url: '/api/insights/wall',
        headers: { cookie: cookie.supervisor },
      });
      assert.equal(wall.statusCode, 200, wall.body);
      const { callbacks } = json<Wall>(wall);
      assert.equal(callbacks.waiting, 1);
      assert.equal(callbacks.longestWaitMs, 90_000);
      assert.deepEqual(callbacks.oldest[0], {
        workItemId: call.itemId,
        conversationId: call.conversationId,
        customerName: 'Dominique Rappel',
        waitMs: 90_000,
      });
    });
  });
}
