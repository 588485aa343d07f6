import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { testDatabases } from '../../../test/databases.ts';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { handleError } from '../http/problem.ts';
import { foreignKeyField } from './foreign-key.ts';

for (const database of await testDatabases()) {
  describe(`a broken foreign key on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(await database.open());
    });
    after(() => h?.close());

    const insertShop = (teamId: number) =>
      h.ctx.writer.run((unit) =>
        unit.db
          .insertInto('shops')
          .values({
            name: 'Ghost',
            city: 'Nowhere',
            time_zone: 'UTC',
            address: '-',
            team_id: teamId,
            created_at: 0,
          })
          .execute(),
      );

    test('is recognised, naming the column where the database says it', async () => {
      const error: unknown = await insertShop(987_654).then(
        () => assert.fail('the insert should break the foreign key'),
        (e: unknown) => e,
      );
      assert.equal(h.ctx.store.dialect.isForeignKeyViolation(error), true);
      assert.equal(h.ctx.store.dialect.isUniqueViolation(error), false);
      assert.equal(foreignKeyField(error), database.name === 'postgres' ? 'teamId' : 'body');
      assert.equal(foreignKeyField(new Error('other')), undefined);
    });

    test('is answered 422 invalid naming the field, not 500', async () => {
      const app = Fastify();
      app.setErrorHandler(handleError);
      app.post('/ghost-shop', async () => insertShop(987_654));
      const response = await app.inject({ method: 'POST', url: '/ghost-shop' });
      assert.equal(response.statusCode, 422, response.body);
      const problem = json<{ type: string; errors: { field: string }[] }>(response);
      assert.equal(problem.type, 'https://rapport.dev/problems/invalid');
      assert.equal(problem.errors[0]?.field, database.name === 'postgres' ? 'teamId' : 'body');
      await app.close();
    });
  });
}
