import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import { snoozeInForce } from '../conversations/conversations.ts';

const hour = 3_600_000;

describe('the snooze rule', () => {
  test('a snooze holds until its time, unless the customer writes after it was set', () => {
    const snooze = { snoozed_until: 2000, snoozed_at: 1000 };
    assert.equal(snoozeInForce(snooze, 900, 1500), true, 'an older message does not wake it');
    assert.equal(snoozeInForce(snooze, null, 1500), true);
    assert.equal(snoozeInForce(snooze, 1200, 1500), false, 'the customer wrote again');
    assert.equal(snoozeInForce(snooze, 900, 2000), false, 'the time has come');
    assert.equal(snoozeInForce({ snoozed_until: null, snoozed_at: null }, null, 0), false);
  });
});

for (const database of await testDatabases()) {
  describe(`snoozing a case on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let advisor: string;
    let conversationId: number;

    before(async () => {
      h = await startHarness(await database.open());
      advisor = await h.signIn(h.fixture.people.advisor.email);
    });
    after(() => h.close());

    const inbound = async (text: string, to?: number) => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: 'marc@example.com', name: 'Marc' },
          text,
          ...(to ? { conversationId: to } : {}),
        },
      });
      assert.equal(response.statusCode, 201, response.body);
      return json<{ conversationId: number }>(response).conversationId;
    };
    const work = async (view: 'waiting' | 'mine') =>
      json<{
        items: Array<{ conversationId: number; snoozedUntil: string | null }>;
        nextWakeAt: string | null;
      }>(
        await h.app.inject({
          method: 'GET',
          url: `/api/desk/work?view=${view}`,
          headers: { cookie: advisor },
        }),
      );
    const waitingIds = async () => (await work('waiting')).items.map((i) => i.conversationId);
    const patch = (payload: Record<string, unknown>) =>
      h.app.inject({
        method: 'PATCH',
        url: `/api/conversations/${conversationId}`,
        headers: { cookie: advisor },
        payload,
      });

    test('a snoozed case leaves the waiting list until its time comes', async () => {
      conversationId = await inbound('My router blinks red');
      assert.deepEqual(await waitingIds(), [conversationId]);
      const past = await patch({ snoozedUntil: new Date(h.clock.now() - 1000).toISOString() });
      assert.equal(past.statusCode, 422, past.body);
      assert.equal((await patch({ snoozedUntil: 'tomorrow' })).statusCode, 400);
      const until = new Date(h.clock.now() + 2 * hour).toISOString();
      const snoozed = await patch({ snoozedUntil: until, ownerId: h.fixture.people.advisor.id });
      assert.equal(snoozed.statusCode, 200, snoozed.body);
      assert.equal(json(snoozed).snoozedUntil, until);
      assert.deepEqual(await waitingIds(), []);
      const waiting = await work('waiting');
      assert.equal(waiting.nextWakeAt, until);
      const mine = await work('mine');
      assert.deepEqual(
        mine.items.map((i) => [i.conversationId, i.snoozedUntil]),
        [[conversationId, until]],
      );
      const event = await h.ctx.store.db
        .selectFrom('events')
        .select(['type', 'after'])
        .where('conversation_id', '=', conversationId)
        .where('type', 'in', ['conversation.updated', 'work-item.withdrawn'])
        .orderBy('id', 'desc')
        .limit(2)
        .execute()
        .then((rows) => rows.find((r) => r.type === 'conversation.updated')!);
      assert.equal(event.type, 'conversation.updated');
      assert.match(event.after ?? '', /snoozedUntil/);

      h.clock.advance(2 * hour + 1);
      assert.deepEqual(await waitingIds(), [conversationId]);
      const woken = json<{ snoozedUntil: string | null }>(
        await h.app.inject({
          method: 'GET',
          url: `/api/conversations/${conversationId}`,
          headers: { cookie: advisor },
        }),
      );
      assert.equal(woken.snoozedUntil, null);
    });

    test('the customer writing again wakes the case at once', async () => {
      const until = new Date(h.clock.now() + 5 * hour).toISOString();
      assert.equal((await patch({ snoozedUntil: until })).statusCode, 200);
      assert.deepEqual(await waitingIds(), []);
      h.clock.advance(60_000);
      await inbound('Any news?', conversationId);
      assert.deepEqual(await waitingIds(), [conversationId]);
      const list = json<{ items: Array<{ id: number; snoozedUntil: string | null }> }>(
        await h.app.inject({
          method: 'GET',
          url: `/api/conversations?customerId=${(await h.ctx.store.db.selectFrom('conversations').select('customer_id').where('id', '=', conversationId).executeTakeFirstOrThrow()).customer_id}`,
          headers: { cookie: advisor },
        }),
      );
      assert.equal(list.items[0]!.snoozedUntil, null);
    });

    test('null wakes a snoozed case; a resolved case cannot be snoozed', async () => {
      const until = new Date(h.clock.now() + hour).toISOString();
      assert.equal((await patch({ snoozedUntil: until })).statusCode, 200);
      assert.deepEqual(await waitingIds(), []);
      const wake = await patch({ snoozedUntil: null });
      assert.equal(wake.statusCode, 200, wake.body);
      assert.equal(json(wake).snoozedUntil, null);
      assert.deepEqual(await waitingIds(), [conversationId]);
      assert.equal((await patch({ status: 'resolved' })).statusCode, 200);
      const refused = await patch({ snoozedUntil: until });
      assert.equal(refused.statusCode, 422, refused.body);
      assert.match(refused.body, /resolved or closed case cannot be snoozed/);
      const far = await patch({
        status: 'open',
        snoozedUntil: new Date(h.clock.now() + 400 * 24 * hour).toISOString(),
      });
      assert.equal(far.statusCode, 422);
    });
  });
}
