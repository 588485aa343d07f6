import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from './databases.ts';
import { json, startHarness, type Harness } from './harness.ts';

const databases = await testDatabases();

for (const database of databases) {
  describe(`JSON bodies keep their types on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let cookie: string;
    before(async () => {
      h = await startHarness(await database.open());
      cookie = await h.signIn(h.fixture.people.advisor.email);
    });
    after(async () => h.close());

    test('a number where the body wants a string is refused, not turned into text', async () => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/customers',
        headers: { cookie },
        payload: { displayName: 42, contact: { email: 'typed@example.com' } },
      });
      assert.equal(response.statusCode, 400);
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
      const problem = json<{ errors: Array<{ field: string; reason: string }> }>(response);
      assert.deepEqual(problem.errors, [{ field: 'displayName', reason: 'must be text' }]);
      const created = await h.ctx.store.db
        .selectFrom('identities')
        .select('id')
        .where('value', '=', 'typed@example.com')
        .execute();
      assert.equal(created.length, 0);
    });

    test('a single string where the body wants a list is refused', async () => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: 'list@example.com' },
          text: 'hi',
          attachments: 'file.pdf',
        },
      });
      assert.equal(response.statusCode, 400);
      assert.equal(
        json<{ errors: Array<{ field: string }> }>(response).errors[0]!.field,
        'attachments',
      );
    });

    test('query strings are still read as numbers', async () => {
      const response = await h.app.inject({
        url: '/api/conversations?limit=5&offset=0',
        headers: { cookie },
      });
      assert.equal(response.statusCode, 200);
    });
  });
}
