import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { testDatabases } from '../../test/databases.ts';
import { json, password, startHarness, type Harness } from '../../test/harness.ts';
import { loadConfig } from '../platform/config.ts';
import { buildServer, closeContext, createContext } from '../server.ts';
import type { Context } from '../platform/context.ts';
import { loginLimits } from './login-limits.ts';

const databases = await testDatabases();
const proxy = '10.0.0.1';

test('RAPPORT_TRUSTED_PROXIES takes addresses and CIDR ranges and stops the start on anything else', () => {
  assert.deepEqual(loadConfig({}).trustedProxies, []);
  assert.deepEqual(
    loadConfig({ RAPPORT_TRUSTED_PROXIES: '10.0.0.1, 192.168.0.0/16,::1,fd00::/8' }).trustedProxies,
    ['10.0.0.1', '192.168.0.0/16', '::1', 'fd00::/8'],
  );
  for (const bad of ['loopback', '10.0.0.0/33', '10.0.0.1/8/1', '*'])
    assert.throws(
      () => loadConfig({ RAPPORT_TRUSTED_PROXIES: bad }),
      /RAPPORT_TRUSTED_PROXIES|not an IP/,
    );
});

for (const db of databases) {
  describe(`login limits on ${db.name}`, { skip: db.skip }, () => {
    let h: Harness;
    let n = 0;

    before(async () => {
      h = await startHarness(await db.open(), { config: { trustedProxies: [proxy] } });
    });
    after(() => h?.close());

    /** One sign-in from `peer` (the TCP peer), optionally through `forwardedFor`. */
    function login(
      app: FastifyInstance,
      email: string,
      secret: string,
      peer: string,
      forwardedFor?: string,
    ) {
      return app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: peer,
        headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
        payload: { email, password: secret },
      });
    }
    const nobody = () => `nobody-${++n}@test.rapport`;

    test('an address is refused after 10 failed tries in 10 minutes; other people elsewhere still sign in', async () => {
      const attacker = '203.0.113.5';
      for (let i = 0; i < loginLimits.perAddress; i++) {
        const wrong = await login(h.app, nobody(), 'wrong password', attacker);
        assert.equal(wrong.statusCode, 401, wrong.body);
      }
      const limited = await login(h.app, h.fixture.people.advisor.email, password, attacker);
      assert.equal(limited.statusCode, 429, limited.body);
      assert.equal(json(limited).type, 'https://rapport.dev/problems/rate-limited');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      const elsewhere = await login(
        h.app,
        h.fixture.people.advisor.email,
        password,
        '198.51.100.7',
      );
      assert.equal(elsewhere.statusCode, 200, elsewhere.body);
      h.clock.advance(loginLimits.windowMs + 1);
      const later = await login(h.app, h.fixture.people.advisor.email, password, attacker);
      assert.equal(later.statusCode, 200, later.body);
    });

    test('an account is refused after 5 failed tries from any addresses; another account is not', async () => {
      const { supervisor, admin } = h.fixture.people;
      for (let i = 0; i < loginLimits.perAccount; i++) {
        const wrong = await login(h.app, supervisor.email, 'wrong password', `192.0.2.${i + 1}`);
        assert.equal(wrong.statusCode, 401, wrong.body);
      }
      const limited = await login(h.app, supervisor.email, password, '192.0.2.200');
      assert.equal(limited.statusCode, 429, limited.body);
      // Upper case is the same account.
      const shouted = await login(h.app, supervisor.email.toUpperCase(), password, '192.0.2.201');
      assert.equal(shouted.statusCode, 429, shouted.body);
      const other = await login(h.app, admin.email, password, '192.0.2.1');
      assert.equal(other.statusCode, 200, other.body);
    });

    test('a successful sign-in clears the account’s failed tries', async () => {
      const { shopAdvisor } = h.fixture.people;
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < loginLimits.perAccount - 1; i++) {
          const wrong = await login(
            h.app,
            shopAdvisor.email,
            'wrong password',
            `192.0.2.${50 + i}`,
          );
          assert.equal(wrong.statusCode, 401, wrong.body);
        }
        const right = await login(h.app, shopAdvisor.email, password, '192.0.2.60');
        assert.equal(right.statusCode, 200, `round ${round}: ${right.body}`);
      }
    });

    test('X-Forwarded-For names the client only when a trusted proxy sends it', async () => {
      // An untrusted peer changing the header at every try is still one address.
      const forger = '203.0.113.77';
      for (let i = 0; i < loginLimits.perAddress; i++) {
        const wrong = await login(h.app, nobody(), 'wrong', forger, `198.18.0.${i + 1}`);
        assert.equal(wrong.statusCode, 401, wrong.body);
      }
      const forged = await login(
        h.app,
        h.fixture.people.techAdvisor.email,
        password,
        forger,
        '198.18.0.99',
      );
      assert.equal(forged.statusCode, 429, forged.body);
      // Behind the trusted proxy, each client counts on its own.
      for (let i = 0; i < loginLimits.perAddress; i++) {
        const wrong = await login(h.app, nobody(), 'wrong', proxy, '198.19.0.1');
        assert.equal(wrong.statusCode, 401, wrong.body);
      }
      const limitedClient = await login(h.app, nobody(), 'wrong', proxy, '198.19.0.1');
      assert.equal(limitedClient.statusCode, 429, limitedClient.body);
      const otherClient = await login(
        h.app,
        h.fixture.people.techAdvisor.email,
        password,
        proxy,
        '198.19.0.2',
      );
      assert.equal(otherClient.statusCode, 200, otherClient.body);
    });

    describe(
      'two servers on one database',
      { skip: db.name === 'sqlite' && 'one process serves SQLite' },
      () => {
        let nodeB: { ctx: Context; app: FastifyInstance } | undefined;

        before(async () => {
          const store = db.reopen(h.ctx.store);
          assert.ok(store);
          const ctx = await createContext(loadConfig({ LOG_LEVEL: 'warn', RAPPORT_DEMO: '0' }), {
            store,
            clock: h.clock,
            quiet: true,
          });
          nodeB = { ctx, app: await buildServer(ctx) };
        });
        after(async () => {
          await nodeB?.app.close();
          if (nodeB) await closeContext(nodeB.ctx);
        });

        test('failed tries on either server count together', async () => {
          const b = nodeB!.app;
          const address = '203.0.113.200';
          for (let i = 0; i < loginLimits.perAddress; i++) {
            const wrong = await login(i % 2 === 0 ? h.app : b, nobody(), 'wrong', address);
            assert.equal(wrong.statusCode, 401, wrong.body);
          }
          for (const app of [h.app, b]) {
            const limited = await login(app, h.fixture.people.advisor.email, password, address);
            assert.equal(limited.statusCode, 429, limited.body);
          }
          const { techAdvisor } = h.fixture.people;
          for (let i = 0; i < loginLimits.perAccount; i++) {
            const wrong = await login(
              i % 2 === 0 ? b : h.app,
              techAdvisor.email,
              'wrong',
              `198.51.100.${i + 20}`,
            );
            assert.equal(wrong.statusCode, 401, wrong.body);
          }
          const account = await login(h.app, techAdvisor.email, password, '198.51.100.99');
          assert.equal(account.statusCode, 429, account.body);
        });
      },
    );
  });
}
