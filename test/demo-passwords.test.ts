import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { testDatabases } from './databases.ts';
import { loadConfig } from '../src/platform/config.ts';
import { manualClock } from '../src/platform/clock.ts';
import type { Context } from '../src/platform/context.ts';
import { buildServer, closeContext, createContext } from '../src/server.ts';
import { loadDemoCompany } from '../src/demo/demo-company.ts';

for (const database of await testDatabases()) {
  describe(`the demo company's passwords on ${database.name}`, { skip: database.skip }, () => {
    let ctx: Context;
    let app: FastifyInstance;

    before(async () => {
      const config = loadConfig(
        { LOG_LEVEL: 'warn', RAPPORT_DEMO_PASSWORD: 'demo-password-for-tests' },
        { dataDir: '/nonexistent' },
      );
      ctx = await createContext(config, {
        store: await database.open(),
        clock: manualClock(),
        quiet: true,
      });
      await loadDemoCompany(ctx, { customers: 3 });
      app = await buildServer(ctx);
    });
    after(async () => {
      await app.close();
      await closeContext(ctx);
    });

    test('no two demo people share a password hash, and each signs in with the demo password', async () => {
      const people = await ctx.store.db
        .selectFrom('advisors')
        .select(['email', 'password_hash'])
        .where('password_hash', 'is not', null)
        .execute();
      assert.ok(people.length >= 10, `only ${people.length} people with a password`);
      const hashes = new Set(people.map((p) => p.password_hash));
      assert.equal(hashes.size, people.length, 'identical password hashes: a salt is shared');
      for (const [index, person] of people.entries()) {
        const response = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          // Each from an address of its own: the sign-in limit per address is not what is tested.
          remoteAddress: `192.0.2.${index + 1}`,
          payload: { email: person.email, password: 'demo-password-for-tests' },
        });
        assert.equal(response.statusCode, 200, `${person.email}: ${response.body}`);
      }
    });
  });
}
