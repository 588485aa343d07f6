import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { testDatabases } from './databases.ts';
import { loadConfig } from '../src/platform/config.ts';
import { manualClock } from '../src/platform/clock.ts';
import type { Context } from '../src/platform/context.ts';
import { buildServer, closeContext, createContext } from '../src/server.ts';
import { loadDemoCompany } from '../src/demo/demo-company.ts';
import { inboundBodyOf, nextTrafficContact, trafficSource } from '../src/demo/demo-traffic.ts';
import type { Wall } from '../src/api-types/insights.ts';
import type { Shop } from '../src/api-types/shops.ts';

// Tuesday 1 December 2026, 15:30 UTC: 16:30 in Lyon (open), 10:30 in New York (open), 00:30 on
// Wednesday in Tokyo (closed).
const at = Date.UTC(2026, 11, 1, 15, 30);

for (const database of await testDatabases()) {
  describe(
    `the demo company is alive on first start, on ${database.name}`,
    { skip: database.skip },
    () => {
      let ctx: Context;
      let app: FastifyInstance;
      let supervisor: string;

      before(async () => {
        const config = loadConfig(
          {
            LOG_LEVEL: 'warn',
            RAPPORT_DEMO_PASSWORD: 'demo-password',
            RAPPORT_TIME_ZONE: 'Europe/Paris',
          },
          { dataDir: '/nonexistent' },
        );
        ctx = await createContext(config, {
          store: await database.open(),
          clock: manualClock(at),
          quiet: true,
        });
        await loadDemoCompany(ctx, { customers: 24 });
        app = await buildServer(ctx);
        const login = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: 'supervisor@demo.rapport.test', password: 'demo-password' },
        });
        assert.equal(login.statusCode, 200, login.body);
        supervisor = `rapport_session=${login.cookies.find((c) => c.name === 'rapport_session')!.value}`;
      });
      after(async () => {
        await app?.close();
        if (ctx) await closeContext(ctx);
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
            payload: { email: person.email, password: 'demo-password' },
          });
          assert.equal(response.statusCode, 200, `${person.email}: ${response.body}`);
        }
      });

      test('work is waiting right now on every channel, a walk-in ticket only where a shop is open', async () => {
        const waiting = await ctx.store.db
          .selectFrom('work_items')
          .select(['channel', 'kind', 'created_at'])
          .where('status', '=', 'waiting')
          .execute();
        const channels = new Set(waiting.map((w) => w.channel));
        for (const channel of ['email', 'chat', 'sms', 'social', 'voice'])
          assert.ok(
            channels.has(channel),
            `nothing waits on ${channel}: ${[...channels].join(', ')}`,
          );
        assert.ok(
          waiting.some((w) => w.kind === 'callback'),
          'a missed call waits for its callback',
        );
        // Recent: something arrived in the last half hour, not only history from weeks ago.
        assert.ok(waiting.filter((w) => w.created_at > at - 30 * 60_000).length >= 8);
        const tickets = await ctx.store.db
          .selectFrom('shop_tickets')
          .innerJoin('shops', 'shops.id', 'shop_tickets.shop_id')
          .select('shops.city')
          .execute();
        // The shop's queue is its walk-in tickets, called from the shop desk.
        assert.deepEqual(tickets.map((t) => t.city).sort(), ['Lyon', 'New York']);
      });

      test("the wall opens on today's service, counted from midnight in the centre's zone", async () => {
        const response = await app.inject({
          method: 'GET',
          url: '/api/insights/wall',
          headers: { cookie: supervisor },
        });
        assert.equal(response.statusCode, 200, response.body);
        const wall = response.json<Wall>();
        assert.equal(wall.timeZone, 'Europe/Paris');
        assert.equal(new Date(wall.dayStart).getTime(), Date.UTC(2026, 10, 30, 23, 0));
        const byChannel = new Map(wall.channels.map((c) => [c.channel, c]));
        for (const channel of ['email', 'chat', 'social'] as const) {
          const figures = byChannel.get(channel)!;
          assert.ok(figures.answered > 0, `nothing answered today on ${channel}`);
          assert.ok(figures.serviceLevel !== null, `no service level today on ${channel}`);
          assert.ok(figures.waiting > 0, `nobody waiting on ${channel}`);
        }
      });

      test('macros are ready to use, and shops are open or closed in their own zones', async () => {
        const macros = await app.inject({
          method: 'GET',
          url: '/api/macros',
          headers: { cookie: supervisor },
        });
        assert.equal(macros.statusCode, 200);
        const names = macros.json<{ items: Array<{ name: string }> }>().items.map((m) => m.name);
        assert.ok(names.includes('Refund on its way'), names.join(', '));
        assert.ok(names.length >= 5);

        const shops = await app.inject({
          method: 'GET',
          url: '/api/shops',
          headers: { cookie: supervisor },
        });
        const open = new Map(shops.json<{ items: Shop[] }>().items.map((s) => [s.city, s.openNow]));
        assert.deepEqual(Object.fromEntries(open), { Lyon: true, 'New York': true, Tokyo: false });
        const christmas = await ctx.store.db
          .selectFrom('shop_exceptions')
          .select('date')
          .where('reason', '=', 'Christmas Day')
          .execute();
        assert.ok(
          christmas.some((c) => c.date === '2026-12-25'),
          "this year's Christmas is a holiday",
        );
      });

      test('demo traffic goes in through the inbound route, queued for routing, and a retry is one contact', async () => {
        const gateway = await ctx.store.db
          .selectFrom('advisors')
          .select('id')
          .where('role', '=', 'integration')
          .executeTakeFirstOrThrow();
        const { issueToken } = await import('../src/advisors/advisors.ts');
        const { token } = await ctx.writer.run((unit) =>
          issueToken(unit, gateway.id, 'demo traffic test', { type: 'system', id: null }),
        );
        const source = await trafficSource(ctx);
        let seed = 3;
        const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
        const kinds = new Set<string>();
        for (let seq = 0; seq < 25; seq++) {
          const contact = nextTrafficContact(source, random, seq, 'test');
          kinds.add(contact.kind);
          const send = () =>
            app.inject({
              method: 'POST',
              url: '/api/interactions/inbound',
              headers: { authorization: `Bearer ${token}`, 'idempotency-key': `traffic-${seq}` },
              payload: inboundBodyOf(contact),
            });
          const first = await send();
          assert.equal(first.statusCode, 201, first.body);
          if (seq === 0) {
            const again = await send();
            assert.equal(
              again.json<{ interactionId: number }>().interactionId,
              first.json<{ interactionId: number }>().interactionId,
            );
          }
          const item = await ctx.store.db
            .selectFrom('work_items')
            .select('status')
            .where('conversation_id', '=', first.json<{ conversationId: number }>().conversationId)
            .where('status', 'in', ['waiting', 'offered', 'assigned'])
            .executeTakeFirst();
          assert.ok(item, `contact ${seq} (${contact.kind}) was not queued for routing`);
        }
        assert.ok(kinds.size >= 4, `traffic came on ${[...kinds].join(', ')} only`);
        const stored = await ctx.store.db
          .selectFrom('interactions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('provider_id', 'like', 'traffic-test-0')
          .executeTakeFirstOrThrow();
        assert.equal(Number(stored.n), 1);
      });
    },
  );
}
