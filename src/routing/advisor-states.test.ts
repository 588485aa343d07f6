import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import type { AdvisorStates } from './advisor-states.ts';
import { occupancyBetween, stretchesOf } from './occupancy.ts';
import { dispatchWork } from './dispatch-round.ts';

const minute = 60_000;
const hour = 60 * minute;

describe('occupancy over the last hour', () => {
  test('one item weighs the share of the capacity it takes', () => {
    const capacity = { voice: 1, chat: 3, email: 5, sms: 5, social: 5, shop: 0 };
    const email = stretchesOf(
      [{ channel: 'email', offeredAt: 0, acceptedAt: 10, completedAt: null }],
      capacity,
    );
    assert.equal(occupancyBetween(email, 0, hour), 0.2);
    const chats = stretchesOf(
      [0, 1, 2].map(() => ({
        channel: 'chat',
        offeredAt: null,
        acceptedAt: 30 * minute,
        completedAt: null,
      })),
      capacity,
    );
    assert.ok(Math.abs(occupancyBetween(chats, 0, hour) - 0.5) < 1e-9);
  });

  test('utilisation is capped at 1 and only the window counts', () => {
    const stretches = [
      { start: -hour, end: 30 * minute, weight: 1 }, // a call begun before the window
      { start: 0, end: 30 * minute, weight: 0.5 }, // a chat on top: still fully busy, not 150%
      { start: 45 * minute, end: 50 * minute, weight: 1 },
    ];
    assert.ok(Math.abs(occupancyBetween(stretches, 0, hour) - 35 / 60) < 1e-9);
    assert.equal(occupancyBetween([], 0, hour), 0);
    assert.equal(
      occupancyBetween([{ start: 2 * hour, end: null, weight: 1 }], 0, hour),
      0,
      'an item after the window does not count',
    );
  });
});

for (const database of await testDatabases()) {
  describe(`advisors' states on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let supervisor: string;
    let advisor: string;

    before(async () => {
      h = await startHarness(await database.open());
      supervisor = await h.signIn(h.fixture.people.supervisor.email);
      advisor = await h.signIn(h.fixture.people.advisor.email);
    });
    after(() => h.close());

    const states = async () =>
      json<AdvisorStates>(
        await h.app.inject({
          method: 'GET',
          url: '/api/routing/advisors',
          headers: { cookie: supervisor },
        }),
      );

    test('a supervisor sees presence, load and occupancy, and who is above the cap', async () => {
      const { people } = h.fixture;
      const capacity = await h.app.inject({
        method: 'PUT',
        url: `/api/routing/advisors/${people.advisor.id}/capacity`,
        headers: { cookie: supervisor },
        payload: { chat: 1 },
      });
      assert.equal(capacity.statusCode, 200, capacity.body);
      const presence = await h.app.inject({
        method: 'PUT',
        url: '/api/routing/presence',
        headers: { cookie: advisor },
        payload: { presence: 'available' },
      });
      assert.equal(presence.statusCode, 200, presence.body);
      const inbound = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: { kind: 'chat_message', from: { email: 'zoe@example.com' }, text: 'Hello?' },
      });
      assert.equal(inbound.statusCode, 201, inbound.body);
      const conversationId = json<{ conversationId: number }>(inbound).conversationId;
      const round = await h.ctx.writer.run((unit) => dispatchWork(unit, h.ctx.store.dialect));
      assert.equal(round.offers.length, 1);
      const item = await h.ctx.store.db
        .selectFrom('work_items')
        .select('id')
        .where('conversation_id', '=', conversationId)
        .executeTakeFirstOrThrow();
      const accepted = await h.app.inject({
        method: 'POST',
        url: `/api/routing/work-items/${item.id}/accept`,
        headers: { cookie: advisor },
      });
      assert.equal(accepted.statusCode, 200, accepted.body);

      h.clock.advance(50 * minute);
      let wall = await states();
      assert.equal(wall.occupancyCap, 0.85);
      const lea = () => wall.advisors.find((a) => a.id === people.advisor.id)!;
      assert.equal(lea().presence, 'available');
      assert.equal(lea().load.chat, 1);
      assert.equal(lea().capacity.chat, 1);
      assert.ok(Math.abs(lea().occupancy - 50 / 60) < 1e-9, String(lea().occupancy));
      assert.equal(lea().aboveCap, false);
      assert.equal(lea().occupancySeries.length, 12);
      assert.equal(lea().occupancySeries[0], 0);
      assert.equal(lea().occupancySeries[11], 1);
      const tech = wall.advisors.find((a) => a.id === people.techAdvisor.id)!;
      assert.equal(tech.presence, 'offline');
      assert.equal(tech.presenceSince, null);
      assert.equal(tech.occupancy, 0);
      assert.ok(!wall.advisors.some((a) => a.id === people.gateway.id), 'no integration accounts');

      h.clock.advance(6 * minute);
      wall = await states();
      assert.ok(lea().occupancy > 0.85);
      assert.equal(lea().aboveCap, true);

      const detail = await h.app.inject({
        method: 'GET',
        url: `/api/routing/advisors/${people.advisor.id}`,
        headers: { cookie: supervisor },
      });
      assert.equal(detail.statusCode, 200, detail.body);
      const items = json<{ items: Array<{ conversationId: number; status: string }> }>(
        detail,
      ).items;
      assert.deepEqual(
        items.map((i) => [i.conversationId, i.status]),
        [[conversationId, 'assigned']],
      );

      // A reply keeps the chat with its advisor: the conversation goes on and holds her chat slot.
      const reply = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${conversationId}/interactions`,
        headers: { cookie: advisor },
        payload: { kind: 'chat_message', text: 'Hi Zoé, how can I help?' },
      });
      assert.equal(reply.statusCode, 201, reply.body);
      wall = await states();
      assert.equal(lea().load.chat, 1);

      // Ending the chat finishes the work: load drops at once, occupancy keeps the hour's history.
      const resolved = await h.app.inject({
        method: 'PATCH',
        url: `/api/conversations/${conversationId}`,
        headers: { cookie: advisor },
        payload: { status: 'resolved' },
      });
      assert.equal(resolved.statusCode, 200, resolved.body);
      wall = await states();
      assert.equal(lea().load.chat, 0);
      assert.ok(lea().occupancy > 0.85);
      h.clock.advance(hour);
      wall = await states();
      assert.equal(lea().occupancy, 0);
    });

    test('an unknown advisor is not found', async () => {
      const missing = await h.app.inject({
        method: 'GET',
        url: '/api/routing/advisors/999999',
        headers: { cookie: supervisor },
      });
      assert.equal(missing.statusCode, 404);
    });
  });
}
