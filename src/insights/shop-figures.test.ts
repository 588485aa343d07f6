import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import type { ShopFigures, ShopFiguresWall } from '../api-types/shop-floor.ts';
import { percentile90 } from './shop-figures.ts';

const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' }).toMillis();
const minutes = (n: number) => n * 60_000;

describe('shop figures, pure', () => {
  test('the 90th percentile is the nearest rank: nine in ten waited no longer', () => {
    assert.equal(percentile90([]), null);
    assert.equal(percentile90([7]), 7);
    assert.equal(percentile90([5, 10, 10, 30]), 30);
    assert.equal(percentile90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 9);
  });
});

for (const database of await testDatabases()) {
  describe(`shop figures on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let supervisor: string;
    let lyon: number;
    let tokyo: number;
    const services: Record<'R' | 'C' | 'G', number> = { R: 0, C: 0, G: 0 };

    before(async () => {
      h = await startHarness(await database.open());
      supervisor = await h.signIn(h.fixture.people.supervisor.email);
      lyon = h.fixture.shopId;
      // The harness clock: 25 November 2026, 09:00 UTC: 10:00 in Lyon, 18:00 in Tokyo.
      await h.ctx.writer.run(async (unit) => {
        const now = unit.now;
        tokyo = (
          await unit.db
            .insertInto('shops')
            .values({
              name: 'Tokyo',
              city: 'Tokyo',
              address: '1 Shibuya',
              time_zone: 'Asia/Tokyo',
              team_id: null,
              created_at: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
        for (const [letter, name] of [
          ['R', 'Device repair'],
          ['C', 'Contract change'],
          ['G', 'General question'],
        ] as const)
          services[letter] = (
            await unit.db
              .insertInto('shop_services')
              .values({
                code: name.toLowerCase().replace(' ', '-'),
                name,
                ticket_prefix: letter,
                duration_minutes: 20,
                buffer_minutes: 5,
                skills: '[]',
                bookable: 1,
                walk_in: 1,
                created_at: now,
              })
              .returning('id')
              .executeTakeFirstOrThrow()
          ).id;
        const customer = (
          await unit.db
            .insertInto('customers')
            .values({
              display_name: 'Inès',
              language: null,
              consent: '{}',
              owner_id: null,
              last_advisor_id: null,
              merged_into_id: null,
              erased_at: null,
              search_text: 'ines',
              created_at: now,
              updated_at: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
        const appointment = async (
          shop: number,
          service: number,
          startsAt: string,
          status: string,
        ) =>
          (
            await unit.db
              .insertInto('shop_appointments')
              .values({
                shop_id: shop,
                service_id: service,
                customer_id: customer,
                starts_at: at(startsAt),
                ends_at: at(startsAt) + minutes(20),
                status,
                name: 'Inès',
                created_at: now,
                updated_at: now,
              })
              .returning('id')
              .executeTakeFirstOrThrow()
          ).id;
        await appointment(lyon, services.R, '2026-11-25T07:00:00', 'served');
        await appointment(lyon, services.C, '2026-11-25T08:30:00', 'no-show');
        const ticketed = await appointment(lyon, services.R, '2026-11-25T08:00:00', 'served');
        await appointment(lyon, services.R, '2026-11-25T09:30:00', 'booked');
        await appointment(lyon, services.C, '2026-11-25T08:00:00', 'cancelled');
        // Yesterday in Lyon: not today's.
        await appointment(lyon, services.C, '2026-11-24T10:00:00', 'served');
        let n = 0;
        const ticket = async (
          shop: number,
          letter: 'R' | 'C' | 'G',
          since: string,
          status: string,
          times: { called?: number; serving?: number; finished?: number } = {},
          appointmentId: number | null = null,
        ) => {
          const start = at(since);
          n++;
          await unit.db
            .insertInto('shop_tickets')
            .values({
              shop_id: shop,
              service_id: services[letter],
              day: DateTime.fromMillis(start, { zone: 'Europe/Paris' }).toISODate()!,
              number: n,
              code: `${letter}-${String(n).padStart(3, '0')}`,
              appointment_id: appointmentId,
              status,
              waiting_since: start,
              first_called_at: times.called === undefined ? null : start + minutes(times.called),
              last_called_at: times.called === undefined ? null : start + minutes(times.called),
              serving_at: times.serving === undefined ? null : start + minutes(times.serving),
              finished_at: times.finished === undefined ? null : start + minutes(times.finished),
              created_at: start,
              updated_at: start,
            })
            .execute();
        };
        // Lyon, 08:30 local: waited 10 min, served in 20.
        await ticket(lyon, 'R', '2026-11-25T07:30:00', 'served', {
          called: 10,
          serving: 10,
          finished: 30,
        });
        // Lyon, 09:00: waited 10, served in 20; 09:05: waited 30, served in 10 (an appointment's).
        await ticket(lyon, 'R', '2026-11-25T08:00:00', 'served', {
          called: 10,
          serving: 11,
          finished: 31,
        });
        await ticket(
          lyon,
          'R',
          '2026-11-25T08:05:00',
          'served',
          { called: 30, serving: 31, finished: 41 },
          ticketed,
        );
        // Lyon, 09:20: called after 5 min, never came.
        await ticket(lyon, 'R', '2026-11-25T08:20:00', 'no-show', { called: 5 });
        // Lyon, waiting now since 09:40 and 09:50.
        await ticket(lyon, 'G', '2026-11-25T08:40:00', 'waiting');
        await ticket(lyon, 'G', '2026-11-25T08:50:00', 'waiting');
        // Left over from yesterday, still marked waiting: not today's queue.
        await ticket(lyon, 'G', '2026-11-24T15:00:00', 'waiting');
        // Tokyo: 23:00 on the 24th (yesterday there) and 01:00 on the 25th (today there).
        await ticket(tokyo, 'C', '2026-11-24T14:00:00', 'served', {
          called: 1,
          serving: 1,
          finished: 5,
        });
        await ticket(tokyo, 'C', '2026-11-24T16:00:00', 'served', {
          called: 5,
          serving: 5,
          finished: 25,
        });
      });
    });
    after(() => h.close());

    const figures = async (query = '') => {
      const response = await h.app.inject({
        method: 'GET',
        url: `/api/insights/shop-figures${query}`,
        headers: { cookie: supervisor },
      });
      assert.equal(response.statusCode, 200, response.body);
      return json<ShopFiguresWall>(response);
    };

    test('per shop: waiting now, average and p90 wait, service time, served and no-shows of its today', async () => {
      const wall = await figures();
      const byName = new Map<string, ShopFigures>(wall.shops.map((s) => [s.name, s]));
      const l = byName.get('Lyon')!;
      assert.equal(l.day, '2026-11-25');
      assert.equal(l.timeZone, 'Europe/Paris');
      assert.deepEqual(l.total, {
        waiting: 2,
        longestWaitingMs: minutes(20),
        called: 4,
        averageWaitMs: minutes(13.75),
        p90WaitMs: minutes(30),
        averageServiceMs: Math.round(minutes(50 / 3)),
        // Three tickets and the appointment served without a ticket; the one with a ticket once.
        served: 4,
        noShows: 2,
      });
      const t = byName.get('Tokyo')!;
      assert.equal(t.day, '2026-11-25');
      assert.equal(t.total.served, 1, "only Tokyo's own today");
      assert.equal(t.total.averageWaitMs, minutes(5));
      assert.deepEqual(
        t.hours.map((x) => x.hour),
        [1],
      );
    });

    test('per service and per shop-local hour', async () => {
      const [l] = (await figures(`?shopId=${lyon}`)).shops;
      assert.ok(l);
      const service = new Map(l.services.map((s) => [s.ticketPrefix, s]));
      assert.deepEqual([...service.keys()].sort(), ['C', 'G', 'R']);
      assert.equal(service.get('R')!.served, 4);
      assert.equal(service.get('R')!.noShows, 1);
      assert.equal(service.get('R')!.called, 4);
      assert.equal(service.get('R')!.waiting, 0);
      assert.equal(service.get('G')!.waiting, 2);
      assert.equal(service.get('G')!.averageWaitMs, null);
      assert.equal(service.get('C')!.noShows, 1);
      assert.deepEqual(
        l.hours.map((x) => [x.hour, x.waiting, x.called, x.served, x.noShows]),
        [
          [8, 0, 1, 2, 0],
          [9, 2, 3, 2, 2],
        ],
      );
      const cell = l.cells.find((c) => c.serviceId === services.R && c.hour === 9)!;
      assert.equal(cell.averageWaitMs, minutes(15));
      assert.equal(cell.averageServiceMs, minutes(15));
      assert.equal((await figures(`?shopId=${tokyo}`)).shops.length, 1);
      const missing = await h.app.inject({
        method: 'GET',
        url: '/api/insights/shop-figures?shopId=987654',
        headers: { cookie: supervisor },
      });
      assert.equal(missing.statusCode, 404);
    });

    test('the figures are for leads', async () => {
      const advisor = await h.signIn(h.fixture.people.shopAdvisor.email);
      const response = await h.app.inject({
        method: 'GET',
        url: '/api/insights/shop-figures',
        headers: { cookie: advisor },
      });
      assert.equal(response.statusCode, 403);
    });
  });
}
