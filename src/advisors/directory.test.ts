import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';

for (const database of await testDatabases()) {
  describe(`the directory on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let advisor: string;

    before(async () => {
      h = await startHarness(await database.open());
      advisor = await h.signIn(h.fixture.people.advisor.email);
    });
    after(() => h.close());

    test('the directory names colleagues, not integration accounts', async () => {
      const directory = json<{ advisors: Array<{ name: string; role: string }> }>(
        await h.app.inject({
          method: 'GET',
          url: '/api/desk/directory',
          headers: { cookie: advisor },
        }),
      );
      assert.ok(directory.advisors.some((a) => a.name === 'Advisor'));
      assert.ok(!directory.advisors.some((a) => a.role === 'integration'));
    });
  });
}
