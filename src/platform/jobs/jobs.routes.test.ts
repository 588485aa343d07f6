import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../../test/databases.ts';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { enqueueJob } from './jobs.ts';

const databases = await testDatabases();

for (const database of databases) {
  describe(`admin job routes on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let admin: Record<string, string>;
    let deadId: number;
    let queuedId: number;
    before(async () => {
      h = await startHarness(await database.open());
      admin = { cookie: await h.signIn(h.fixture.people.admin.email) };
      [deadId, queuedId] = await h.ctx.writer.run(async (unit) => {
        const dead = await enqueueJob(unit, { type: 'reminder.send', payload: { secret: 'x' } });
        await unit.db
          .updateTable('jobs')
          .set({ state: 'dead', attempts: 8, last_error: '550 mailbox does not exist' })
          .where('id', '=', dead)
          .execute();
        const queued = await enqueueJob(unit, { type: 'reminder.send', payload: null, key: 'k1' });
        return [dead, queued];
      });
    });
    after(() => h?.close());

    test('an admin sees dead jobs with their last error, and the queue on asking, without payloads', async () => {
      const dead = await h.app.inject({ method: 'GET', url: '/api/admin/jobs', headers: admin });
      assert.equal(dead.statusCode, 200, dead.body);
      const items = json<{ items: Array<Record<string, unknown>> }>(dead).items;
      assert.deepEqual(
        items.map((j) => [j.id, j.state, j.attempts, j.lastError]),
        [[deadId, 'dead', 8, '550 mailbox does not exist']],
      );
      assert.ok(!dead.body.includes('secret'), 'a payload was shown');
      const queued = await h.app.inject({
        method: 'GET',
        url: '/api/admin/jobs?state=queued',
        headers: admin,
      });
      assert.deepEqual(
        json<{ items: Array<{ id: number; key: string }> }>(queued).items.map((j) => [j.id, j.key]),
        [[queuedId, 'k1']],
      );
      const wrong = await h.app.inject({
        method: 'GET',
        url: '/api/admin/jobs?state=lost',
        headers: admin,
      });
      // A refused input names the field (400 or 422, whichever the HTTP layer uses for a query).
      assert.ok([400, 422].includes(wrong.statusCode), wrong.body);
      assert.match(String(wrong.headers['content-type']), /^application\/problem\+json/);
      assert.deepEqual(
        json<{ errors: Array<{ field: string }> }>(wrong).errors.map((e) => e.field),
        ['querystring.state'],
      );
    });

    test('the list answers how many jobs are in each state, whichever state it lists', async () => {
      for (const state of ['dead', 'done']) {
        const answer = await h.app.inject({
          method: 'GET',
          url: `/api/admin/jobs?state=${state}`,
          headers: admin,
        });
        assert.equal(answer.statusCode, 200, answer.body);
        assert.deepEqual(json<{ counts: Record<string, number> }>(answer).counts, {
          queued: 1,
          running: 0,
          done: 0,
          dead: 1,
        });
      }
    });

    test('an admin retries a dead job: it is queued with fresh attempts; a job that is not dead cannot be retried', async () => {
      const retried = await h.app.inject({
        method: 'POST',
        url: `/api/admin/jobs/${deadId}/retry`,
        headers: admin,
      });
      assert.equal(retried.statusCode, 200, retried.body);
      assert.equal(json(retried).state, 'queued');
      assert.equal(json(retried).attempts, 0);
      const after = await h.app.inject({ method: 'GET', url: '/api/admin/jobs', headers: admin });
      assert.deepEqual(json<{ items: unknown[] }>(after).items, [], 'it left the dead list');
      assert.deepEqual(json<{ counts: Record<string, number> }>(after).counts, {
        queued: 2,
        running: 0,
        done: 0,
        dead: 0,
      });
      const event = await h.ctx.store.db
        .selectFrom('events')
        .select(['actor_type', 'actor_id'])
        .where('type', '=', 'job.retried')
        .where('entity_id', '=', deadId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(event, { actor_type: 'advisor', actor_id: h.fixture.people.admin.id });
      const again = await h.app.inject({
        method: 'POST',
        url: `/api/admin/jobs/${deadId}/retry`,
        headers: admin,
      });
      assert.equal(again.statusCode, 409, again.body);
      const missing = await h.app.inject({
        method: 'POST',
        url: '/api/admin/jobs/987654/retry',
        headers: admin,
      });
      assert.equal(missing.statusCode, 404, missing.body);
    });
  });
}
