import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import type { Shop } from './shops.ts';

for (const database of await testDatabases()) {
  describe(`shops and teams on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let admin: string;
    let advisor: string;

    before(async () => {
      h = await startHarness(await database.open());
      admin = await h.signIn(h.fixture.people.admin.email);
      advisor = await h.signIn(h.fixture.people.advisor.email);
    });
    after(() => h.close());

    test('an administrator opens a shop with hours; "open now" is judged in its time zone', async () => {
      // The harness clock: Wednesday 25 November 2026, 09:00 UTC, so 10:00 in Paris and 18:00 in Tokyo.
      assert.equal(h.clock.now(), DateTime.fromISO('2026-11-25T09:00:00Z').toMillis());
      const hours = [1, 2, 3, 4, 5].map((weekday) => ({
        weekday,
        opens: '09:00',
        closes: '17:00',
      }));
      const create = (name: string, timeZone: string) =>
        h.app.inject({
          method: 'POST',
          url: '/api/shops',
          headers: { cookie: admin, 'idempotency-key': `shop-${name}` },
          payload: { name, city: name, address: '1 main street', timeZone, hours },
        });
      const paris = await create('Paris', 'Europe/Paris');
      assert.equal(paris.statusCode, 201, paris.body);
      assert.equal((await create('Paris', 'Europe/Paris')).headers['idempotent-replayed'], 'true');
      const tokyo = await create('Tokyo', 'Asia/Tokyo');
      assert.equal(tokyo.statusCode, 201, tokyo.body);
      const list = json<{ items: Shop[] }>(
        await h.app.inject({ method: 'GET', url: '/api/shops', headers: { cookie: advisor } }),
      ).items;
      const byName = new Map(list.map((s) => [s.name, s]));
      assert.equal(byName.get('Paris')!.openNow, true);
      assert.equal(byName.get('Paris')!.localTime, '2026-11-25 10:00 GMT+1');
      assert.equal(byName.get('Tokyo')!.openNow, false);
      assert.equal(byName.get('Paris')!.hours.length, 5);
      const events = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('type', '=', 'shop.created')
        .execute();
      assert.equal(events.length, 2);
    });

    test('hours and time zones are validated; changes are audited', async () => {
      const id = h.fixture.shopId;
      const put = (hours: unknown) =>
        h.app.inject({
          method: 'PUT',
          url: `/api/shops/${id}/hours`,
          headers: { cookie: admin },
          payload: { hours },
        });
      const backwards = await put([{ weekday: 2, opens: '18:00', closes: '09:00' }]);
      assert.equal(backwards.statusCode, 422, backwards.body);
      assert.match(backwards.body, /hours\[0\]\.closes/);
      assert.equal((await put([{ weekday: 2, opens: '25:00', closes: '26:00' }])).statusCode, 400);
      assert.equal(
        (await put([{ weekday: 2, opens: '09:00', closes: '12:00', lunch: true }])).statusCode,
        400,
      );
      const ok = await put([
        { weekday: 6, opens: '10:00', closes: '19:00' },
        { weekday: 2, opens: '09:00', closes: '12:30' },
      ]);
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(
        json<Shop>(ok).hours.map((d) => d.weekday),
        [2, 6],
      );
      const zone = await h.app.inject({
        method: 'PATCH',
        url: `/api/shops/${id}`,
        headers: { cookie: admin },
        payload: { timeZone: 'Europe/Atlantis' },
      });
      assert.equal(zone.statusCode, 422, zone.body);
      const moved = await h.app.inject({
        method: 'PATCH',
        url: `/api/shops/${id}`,
        headers: { cookie: admin },
        payload: { timeZone: 'America/Montreal', name: 'Montréal' },
      });
      assert.equal(moved.statusCode, 200, moved.body);
      assert.equal(json<Shop>(moved).timeZone, 'America/Montreal');
      const audited = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('entity_type', '=', 'shop')
        .where('entity_id', '=', id)
        // In the order they were recorded: without it PostgreSQL may return them in any order.
        .orderBy('id')
        .execute();
      assert.deepEqual(
        audited.map((e) => e.type),
        ['shop.hours-changed', 'shop.updated'],
      );
      const missing = await h.app.inject({
        method: 'PUT',
        url: '/api/shops/999999/hours',
        headers: { cookie: admin },
        payload: { hours: [] },
      });
      assert.equal(missing.statusCode, 404);
    });

    test('an administrator creates and renames teams; names stay unique', async () => {
      const created = await h.app.inject({
        method: 'POST',
        url: '/api/teams',
        headers: { cookie: admin, 'idempotency-key': 'team-billing' },
        payload: { name: 'Billing', kind: 'contact_centre' },
      });
      assert.equal(created.statusCode, 201, created.body);
      const { id } = json<{ id: number }>(created);
      const twin = await h.app.inject({
        method: 'POST',
        url: '/api/teams',
        headers: { cookie: admin },
        payload: { name: 'Care', kind: 'contact_centre' },
      });
      assert.equal(twin.statusCode, 409);
      const renamed = await h.app.inject({
        method: 'PATCH',
        url: `/api/teams/${id}`,
        headers: { cookie: admin },
        payload: { name: 'Billing and refunds' },
      });
      assert.equal(renamed.statusCode, 200, renamed.body);
      const clash = await h.app.inject({
        method: 'PATCH',
        url: `/api/teams/${id}`,
        headers: { cookie: admin },
        payload: { name: 'Tech' },
      });
      assert.equal(clash.statusCode, 409);
      const teams = json<{ items: Array<{ name: string }> }>(
        await h.app.inject({ method: 'GET', url: '/api/teams', headers: { cookie: advisor } }),
      ).items.map((t) => t.name);
      assert.ok(teams.includes('Billing and refunds'));
      const kinds = await h.app.inject({
        method: 'POST',
        url: '/api/teams',
        headers: { cookie: admin },
        payload: { name: 'Odd', kind: 'guild' },
      });
      assert.equal(kinds.statusCode, 400);
    });
  });
}
