import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../test/databases.ts';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { ingestInbound, type InboundContact } from './interactions.ts';
import type { Customer } from '../api-types/customers.ts';
import type { SearchPage } from '../api-types/conversations.ts';
import { phoneOfQuery } from '../customers/customers.ts';

const databases = await testDatabases();
const channel = { type: 'channel' as const, id: null };
const day = 86_400_000;

test('a phone number written in national format is read as E.164 in the company’s region', () => {
  assert.equal(phoneOfQuery('09074738064', 'JP'), '+819074738064');
  assert.equal(phoneOfQuery('090 7473 8064', 'JP'), '+819074738064');
  assert.equal(phoneOfQuery('+81 90-7473-8064', 'US'), '+819074738064');
  assert.equal(phoneOfQuery('router 0907', 'JP'), null);
  assert.equal(phoneOfQuery('12', 'JP'), null);
});

for (const database of databases) {
  describe(`search on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let advisor: string;
    let techAdvisor: string;
    const start = Date.UTC(2026, 10, 25, 9, 0, 0);
    before(async () => {
      h = await startHarness(await database.open(), { config: { defaultPhoneRegion: 'JP' } });
      advisor = await h.signIn(h.fixture.people.advisor.email);
      techAdvisor = await h.signIn(h.fixture.people.techAdvisor.email);
      const ingest = (contact: InboundContact) =>
        h.ctx.writer.run((unit) =>
          ingestInbound(unit, contact, {
            defaultRegion: 'JP',
            actor: channel,
            dialect: h.ctx.store.dialect,
          }),
        );
      // 35 Care cases mentioning the quibbleflux, one a day, oldest first; two of them by chat.
      for (let i = 0; i < 35; i++)
        await ingest({
          kind: i % 17 === 5 ? 'chat_message' : 'email',
          from: { email: `buyer${i}@example.com`, name: `Buyer ${i}` },
          subject: `Order ${i}`,
          text: `My quibbleflux number ${i} arrived broken`,
          teamId: h.fixture.teams.care,
          newCase: true,
          occurredAt: start - (40 - i) * day,
        });
      // A Tech case the Care advisor may not see.
      await ingest({
        kind: 'email',
        from: { email: 'tech@example.com', name: 'Tech Customer' },
        subject: 'Hidden',
        text: 'Tech quibbleflux trouble',
        teamId: h.fixture.teams.tech,
        newCase: true,
        occurredAt: start - day,
      });
      await ingest({
        kind: 'call',
        from: { phone: '+819074738064', name: 'Aiko Tanaka' },
        text: 'Called about her bill',
        teamId: h.fixture.teams.care,
        newCase: true,
        occurredAt: start - day,
      });
    });
    after(async () => h.close());

    const search = async (query: string, cookie = advisor) => {
      const response = await h.app.inject({
        method: 'GET',
        url: `/api/search?${query}`,
        headers: { cookie },
      });
      assert.equal(response.statusCode, 200, response.body);
      return json<SearchPage>(response);
    };

    test('each case found shows its customer, subject, status and channel, newest match first', async () => {
      const page = await search('q=quibbleflux');
      assert.equal(page.cases.length, 30);
      const first = page.cases[0]!;
      assert.equal(first.customerName, 'Buyer 34');
      assert.equal(first.subject, 'Order 34');
      assert.equal(first.status, 'open');
      assert.equal(first.channel, 'email');
      assert.match(first.match.text, /quibbleflux number 34/);
      assert.ok(!page.cases.some((c) => c.customerName === 'Tech Customer'));
      assert.equal(page.interactions.length, 30);
    });

    test('paging walks past the first 30 to every case once, and no further', async () => {
      const first = await search('q=quibbleflux');
      assert.ok(first.nextCursor);
      const second = await search(`q=quibbleflux&cursor=${encodeURIComponent(first.nextCursor)}`);
      assert.equal(second.cases.length, 5);
      assert.equal(second.nextCursor, null);
      assert.deepEqual(second.customers, []);
      const names = [...first.cases, ...second.cases].map((c) => c.customerName);
      assert.equal(new Set(names).size, 35);
      assert.equal(names.at(-1), 'Buyer 0');
      const bad = await h.app.inject({
        method: 'GET',
        url: '/api/search?q=quibbleflux&cursor=nonsense',
        headers: { cookie: advisor },
      });
      assert.equal(bad.statusCode, 422);
      assert.equal(json<{ errors: Array<{ field: string }> }>(bad).errors[0]?.field, 'cursor');
    });

    test('channel, status and date range narrow the cases', async () => {
      const chats = await search('q=quibbleflux&channel=chat');
      assert.deepEqual(
        chats.cases.map((c) => [c.customerName, c.channel]),
        [
          ['Buyer 22', 'chat'],
          ['Buyer 5', 'chat'],
        ],
      );
      const resolved = await search('q=quibbleflux&status=resolved');
      assert.equal(resolved.cases.length, 0);
      const from = new Date(start - 10 * day).toISOString();
      const to = new Date(start - 7 * day).toISOString();
      const dated = await search(
        `q=quibbleflux&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
      );
      assert.deepEqual(
        dated.cases.map((c) => c.customerName),
        ['Buyer 32', 'Buyer 31', 'Buyer 30'],
      );
      const backwards = await h.app.inject({
        method: 'GET',
        url: `/api/search?q=x&from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`,
        headers: { cookie: advisor },
      });
      assert.equal(backwards.statusCode, 422);
      assert.equal(json<{ errors: Array<{ field: string }> }>(backwards).errors[0]?.field, 'to');
    });

    test('the other team sees only its own case', async () => {
      const page = await search('q=quibbleflux', techAdvisor);
      assert.deepEqual(
        page.cases.map((c) => c.customerName),
        ['Tech Customer'],
      );
    });

    test('a phone number in national format finds the customer whose identity is its E.164 form', async () => {
      for (const written of ['09074738064', '090-7473-8064']) {
        const page = await search(`q=${encodeURIComponent(written)}`);
        assert.deepEqual(
          page.customers.map((c) => c.displayName),
          ['Aiko Tanaka'],
          written,
        );
      }
      const listed = await h.app.inject({
        method: 'GET',
        url: '/api/customers?q=09074738064',
        headers: { cookie: advisor },
      });
      assert.deepEqual(
        json<{ items: Customer[] }>(listed).items.map((c) => c.displayName),
        ['Aiko Tanaka'],
      );
    });
  });
}
