/**
 * Duplicate team names and advisor emails sent at the same moment, through the HTTP routes: one
 * request creates, every other one is told 409, never 500. The unique constraints decide. On
 * PostgreSQL the requests are spread over two nodes (two servers, two pools) on one database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { testDatabases } from './databases.ts';
import { startHarness, type Harness } from './harness.ts';
import { loadConfig } from '../src/platform/config.ts';
import { buildServer, closeContext, createContext } from '../src/server.ts';
import type { Context } from '../src/platform/context.ts';

const databases = await testDatabases();
const attempts = 8;
const rounds = 10;

for (const database of databases) {
  describe(`duplicate names on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let second: { ctx: Context; app: FastifyInstance } | undefined;
    let nodes: FastifyInstance[] = [];
    let cookie = '';

    before(async () => {
      h = await startHarness(await database.open());
      const other = database.reopen(h.ctx.store);
      if (other) {
        const config = loadConfig(
          { RAPPORT_PHONE_REGION: 'FR', LOG_LEVEL: 'warn' },
          { dataDir: '/nonexistent' },
        );
        const ctx = await createContext(config, { store: other, clock: h.clock, quiet: true });
        second = { ctx, app: await buildServer(ctx) };
      }
      nodes = second ? [h.app, second.app] : [h.app];
      cookie = await h.signIn(h.fixture.people.admin.email);
    });
    after(async () => {
      if (second) {
        await second.app.close();
        await closeContext(second.ctx);
      }
      await h.close();
    });

    /** Sends the same creation `attempts` times at once, spread over the nodes. */
    async function race(url: string, payload: (i: number) => object): Promise<number[]> {
      const responses = await Promise.all(
        Array.from({ length: attempts }, (_, i) =>
          nodes[i % nodes.length]!.inject({
            method: 'POST',
            url,
            headers: { cookie },
            payload: payload(i),
          }),
        ),
      );
      return responses.map((r) => r.statusCode).sort();
    }

    test('one team of a name is created when many ask for it at once; the others get 409', async () => {
      for (let round = 0; round < rounds; round++) {
        const statuses = await race('/api/teams', () => ({
          name: `Night shift ${round}`,
          kind: 'contact_centre',
        }));
        assert.deepEqual(statuses, [201, ...Array<number>(attempts - 1).fill(409)]);
      }
      const teams = await h.ctx.store.db
        .selectFrom('teams')
        .select('name')
        .where('name', 'like', 'Night shift %')
        .execute();
      assert.equal(teams.length, rounds);
    });

    test('one advisor of an email is created when many ask for it at once; the others get 409', async () => {
      for (let round = 0; round < rounds; round++) {
        const statuses = await race('/api/advisors', (i) => ({
          name: `Newcomer ${i}`,
          email: `newcomer-${round}@test.rapport`,
          role: 'advisor',
        }));
        assert.deepEqual(statuses, [201, ...Array<number>(attempts - 1).fill(409)]);
      }
    });

    test('renaming a team to a name taken is a 409', async () => {
      const created = await h.app.inject({
        method: 'POST',
        url: '/api/teams',
        headers: { cookie },
        payload: { name: 'Day shift', kind: 'contact_centre' },
      });
      assert.equal(created.statusCode, 201);
      const id = (JSON.parse(created.body) as { id: number }).id;
      const renamed = await h.app.inject({
        method: 'PATCH',
        url: `/api/teams/${id}`,
        headers: { cookie },
        payload: { name: 'Care' },
      });
      assert.equal(renamed.statusCode, 409);
      assert.match(String(renamed.headers['content-type']), /problem\+json/);
    });
  });
}
