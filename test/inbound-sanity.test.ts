/**
 * The JSON inbound route refuses what cannot be true and stores nothing of it: a contact dated in
 * the future (which would read "due in 1126 d"), a shop or team that does not exist (which would show
 * on the wall as a shop contact). A clock a little fast is forgiven and held at now.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from './databases.ts';
import { json, startHarness, type Harness } from './harness.ts';

for (const database of await testDatabases()) {
  describe(`inbound sanity on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(await database.open());
    });
    after(() => h?.close());

    const post = (payload: Record<string, unknown>) =>
      h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'chat_message',
          from: { email: 'nora@example.com', name: 'Nora' },
          text: 'Hello?',
          ...payload,
        },
      });
    const stored = async () =>
      Number(
        (
          await h.ctx.store.db
            .selectFrom('interactions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    test('a contact dated in the future is refused, naming occurredAt', async () => {
      const before = await stored();
      const future = new Date(h.clock.now() + 3 * 365 * 86_400_000).toISOString();
      const response = await post({ occurredAt: future });
      assert.equal(response.statusCode, 422);
      assert.match(String(response.headers['content-type']), /application\/problem\+json/);
      const problem = json<{ errors: Array<{ field: string; reason: string }> }>(response);
      assert.equal(problem.errors[0]!.field, 'occurredAt');
      assert.match(problem.errors[0]!.reason, /in the future/);
      assert.equal(await stored(), before);
    });

    test('a clock two minutes fast is held at now; a past time is kept', async () => {
      const fast = await post({
        occurredAt: new Date(h.clock.now() + 120_000).toISOString(),
        providerId: 'fast-1',
        provider: 'test',
      });
      assert.equal(fast.statusCode, 201);
      const { interactionId } = json<{ interactionId: number }>(fast);
      const row = await h.ctx.store.db
        .selectFrom('interactions')
        .select('created_at')
        .where('id', '=', interactionId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.created_at), h.clock.now());
      const earlier = h.clock.now() - 3_600_000;
      const past = await post({ occurredAt: new Date(earlier).toISOString() });
      assert.equal(past.statusCode, 201);
      const pastRow = await h.ctx.store.db
        .selectFrom('interactions')
        .select('created_at')
        .where('id', '=', json<{ interactionId: number }>(past).interactionId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(pastRow.created_at), earlier);
    });

    test('an unknown shop or team is refused and nothing is stored', async () => {
      const before = await stored();
      for (const [field, payload] of [
        ['shopId', { shopId: 987_654 }],
        ['teamId', { teamId: 987_654 }],
      ] as const) {
        const response = await post(payload);
        assert.equal(response.statusCode, 422, field);
        assert.equal(json<{ errors: Array<{ field: string }> }>(response).errors[0]!.field, field);
      }
      assert.equal(await stored(), before);
    });
  });
}
