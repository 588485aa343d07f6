import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { idempotencyKeyLifetimeMs, purgeIdempotencyKeys } from './idempotency.ts';

for (const database of await testDatabases()) {
  describe(`idempotency keys on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let admin: string;

    before(async () => {
      h = await startHarness(await database.open());
      admin = await h.signIn(h.fixture.people.admin.email);
    });
    after(() => h.close());

    const issue = (key: string, name: string) =>
      h.app.inject({
        method: 'POST',
        url: '/api/tokens',
        headers: { cookie: admin, 'idempotency-key': key },
        payload: { advisorId: h.fixture.people.gateway.id, name },
      });

    test('an issued API token is never kept in clear, and a replay says it was shown once', async () => {
      const first = await issue('token-once', 'Once');
      assert.equal(first.statusCode, 201, first.body);
      const { id, token } = json<{ id: number; token: string }>(first);
      assert.match(token, /^rpt_/);

      const rows = await h.ctx.store.db.selectFrom('idempotency_keys').selectAll().execute();
      assert.ok(rows.length > 0);
      for (const row of rows) assert.ok(!JSON.stringify(row).includes(token), 'token at rest');

      const replay = await issue('token-once', 'Once');
      assert.equal(replay.statusCode, 201, replay.body);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      const replayed = json<{ id: number; token: string | null; note: string }>(replay);
      assert.equal(replayed.id, id);
      assert.equal(replayed.token, null);
      assert.match(replayed.note, /shown once/);
      const tokens = await h.ctx.store.db
        .selectFrom('api_tokens')
        .select('id')
        .where('name', '=', 'Once')
        .execute();
      assert.equal(tokens.length, 1, 'the replay issued no second token');
    });

    test('a key older than a day is not replayed: the request runs afresh', async () => {
      const first = await issue('token-old', 'Old');
      assert.equal(first.statusCode, 201, first.body);
      h.clock.advance(25 * 60 * 60 * 1000);
      admin = await h.signIn(h.fixture.people.admin.email); // the session did not last a day either
      const later = await issue('token-old', 'Old');
      assert.equal(later.statusCode, 201, later.body);
      assert.equal(later.headers['idempotent-replayed'], undefined);
      const token = json<{ id: number; token: string }>(later);
      assert.notEqual(token.id, json<{ id: number }>(first).id);
      assert.match(token.token, /^rpt_/);
    });

    test('the purge deletes the keys older than a day and keeps younger ones', async () => {
      assert.equal((await issue('token-young', 'Young')).statusCode, 201);
      const db = h.ctx.store.db;
      const before = await db
        .selectFrom('idempotency_keys')
        .select(['key', 'created_at'])
        .execute();
      assert.ok(before.some((r) => r.created_at < h.clock.now() - idempotencyKeyLifetimeMs));
      const purged = await purgeIdempotencyKeys(db, h.clock.now());
      assert.ok(purged > 0);
      const left = await db.selectFrom('idempotency_keys').select(['key', 'created_at']).execute();
      assert.ok(left.some((r) => r.key === 'token-young'));
      for (const row of left)
        assert.ok(row.created_at >= h.clock.now() - idempotencyKeyLifetimeMs, row.key);
    });
  });
}
