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

    const holdAs = (conversationId: number, advisorId: number, kind = 'message') =>
      h.ctx.store.db
        .updateTable('work_items')
        .set({
          status: 'assigned',
          kind,
          advisor_id: advisorId,
          offered_at: h.clock.now(),
          accepted_at: h.clock.now(),
        })
        .where('conversation_id', '=', conversationId)
        .where('status', '=', 'waiting')
        .execute();
    const heldBy = async (advisorId: number) =>
      (
        await h.ctx.store.db
          .selectFrom('work_items')
          .select('conversation_id')
          .where('advisor_id', '=', advisorId)
          .where('status', '=', 'assigned')
          .execute()
      ).map((i) => Number(i.conversation_id));

    test('an email already in an advisor’s hands, given to another, leaves the first one’s hands', async () => {
      const id = await openCase('held');
      await holdAs(id, h.fixture.people.advisor.id);
      const moved = await reassign(id, { ownerId: h.fixture.people.techAdvisor.id });
      assert.equal(moved.statusCode, 200, moved.body);
      assert.ok(!(await heldBy(h.fixture.people.advisor.id)).includes(id));
      assert.ok((await heldBy(h.fixture.people.techAdvisor.id)).includes(id));
      assert.equal(json<{ staysWith: unknown }>(moved).staysWith, null);
      const conversation = await h.ctx.store.db
        .selectFrom('conversations')
        .select('owner_id')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(conversation.owner_id, h.fixture.people.techAdvisor.id);
    });

    test('an email in hand, given to a team alone, waits in that team’s queue', async () => {
      const id = await openCase('held-team');
      await holdAs(id, h.fixture.people.advisor.id);
      const moved = await reassign(id, { ownerId: null, teamId: h.fixture.teams.tech });
      assert.equal(moved.statusCode, 200, moved.body);
      const item = await itemOf(id);
      assert.equal(item.status, 'waiting');
      assert.equal(item.advisor_id, null);
      assert.equal(item.team_id, h.fixture.teams.tech);
      assert.deepEqual(JSON.parse(item.skills), [`team:${h.fixture.teams.tech}`]);
    });

    test('a live chat stays with the advisor in it; the case’s owner changes', async () => {
      const id = await openCase('live');
      await holdAs(id, h.fixture.people.advisor.id, 'chat');
      const moved = await reassign(id, { ownerId: h.fixture.people.techAdvisor.id });
      assert.equal(moved.statusCode, 200, moved.body);
      assert.ok((await heldBy(h.fixture.people.advisor.id)).includes(id));
      const answer = json<{ ownerId: number; staysWith: { id: number } | null }>(moved);
      assert.equal(answer.ownerId, h.fixture.people.techAdvisor.id);
      assert.equal(answer.staysWith?.id, h.fixture.people.advisor.id);
    });
  });
}
