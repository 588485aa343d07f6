/**
 * A case reassigned from the wall takes its queued work with it: given to an advisor, its waiting
 * or offered item becomes theirs; given to a team, the waiting item joins that team's queue and an
 * offer to someone outside the team is withdrawn.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from './databases.ts';
import { json, startHarness, type Harness } from './harness.ts';

const databases = await testDatabases();

for (const database of databases) {
  describe(`reassigning from the wall on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let supervisor = '';

    before(async () => {
      h = await startHarness(await database.open());
      supervisor = await h.signIn(h.fixture.people.supervisor.email);
    });
    after(async () => {
      await h?.close();
    });

    const openCase = async (n: string) => {
      const opened = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: `reassign-${n}-${database.name}@example.com` },
          text: 'help',
          teamId: h.fixture.teams.care,
        },
      });
      assert.equal(opened.statusCode, 201, opened.body);
      return json<{ conversationId: number }>(opened).conversationId;
    };
    const itemOf = (conversationId: number) =>
      h.ctx.store.db
        .selectFrom('work_items')
        .select(['status', 'advisor_id', 'team_id', 'skills'])
        .where('conversation_id', '=', conversationId)
        .where('status', 'in', ['waiting', 'offered', 'assigned'])
        .executeTakeFirstOrThrow();
    const offerTo = (conversationId: number, advisorId: number) =>
      h.ctx.store.db
        .updateTable('work_items')
        .set({
          status: 'offered',
          advisor_id: advisorId,
          offered_at: h.clock.now(),
          offer_expires_at: h.clock.now() + 60_000,
        })
        .where('conversation_id', '=', conversationId)
        .where('status', '=', 'waiting')
        .execute();
    const reassign = (conversationId: number, payload: object) =>
      h.app.inject({
        method: 'POST',
        url: `/api/wall/cases/${conversationId}/reassign`,
        headers: { cookie: supervisor },
        payload,
      });

    test('given to an advisor, the case offered to someone else becomes theirs', async () => {
      const id = await openCase('owner');
      await offerTo(id, h.fixture.people.advisor.id);
      const moved = await reassign(id, { ownerId: h.fixture.people.techAdvisor.id });
      assert.equal(moved.statusCode, 200, moved.body);
      const item = await itemOf(id);
      assert.equal(item.status, 'assigned');
      assert.equal(item.advisor_id, h.fixture.people.techAdvisor.id);
    });

    test('given to a team, the waiting case joins its queue', async () => {
      const id = await openCase('team');
      assert.equal((await itemOf(id)).status, 'waiting');
      const moved = await reassign(id, { teamId: h.fixture.teams.tech });
      assert.equal(moved.statusCode, 200, moved.body);
      const item = await itemOf(id);
      assert.equal(item.status, 'waiting');
      assert.equal(item.team_id, h.fixture.teams.tech);
      assert.deepEqual(JSON.parse(item.skills), [`team:${h.fixture.teams.tech}`]);
    });

    test('given to a team, an offer to someone outside it is withdrawn', async () => {
      const id = await openCase('offer');
      await offerTo(id, h.fixture.people.advisor.id);
      const moved = await reassign(id, { ownerId: null, teamId: h.fixture.teams.tech });
      assert.equal(moved.statusCode, 200, moved.body);
      const item = await itemOf(id);
      assert.equal(item.status, 'waiting');
      assert.equal(item.advisor_id, null);
      assert.equal(item.team_id, h.fixture.teams.tech);
    });
  });
}
