import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { testDatabases } from '../../../test/databases.ts';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { createOutbox } from '../../server.ts';
import { createWriter } from '../../platform/db/writer.ts';
import { systemActor } from '../../platform/events/event.ts';
import { recordBoardCall } from '../../shops/board-calls.ts';
import { signLink } from './links.ts';
import type {
  KioskInfo,
  TakeTicketResult,
  CheckedInView,
  TicketView,
} from '../../api-types/tickets.ts';
import {
  notifyTurnNearing,
  readQueue,
  startTurnNearing,
  takeTicket,
  turnNearingJobs,
  turnNearingJobType,
} from './tickets.ts';

const databases = await testDatabases();

const paris = 'Europe/Paris';
/** An instant given as Paris wall-clock time. */
const inParis = (iso: string) => DateTime.fromISO(iso, { zone: paris }).toMillis();

interface Floor {
  readonly repair: number;
  readonly general: number;
  readonly sales: number;
  readonly deskId: number;
}

/** The fixture shop (Lyon, Europe/Paris) with hours, three services and the shop advisor's shift. */
async function setUpFloor(h: Harness, hours: { opens: string; closes: string }): Promise<Floor> {
  return h.ctx.writer.run(async (unit) => {
    const shopId = h.fixture.shopId;
    await unit.db
      .insertInto('shop_hours')
      .values([1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ shop_id: shopId, weekday, ...hours })))
      .execute();
    await unit.db
      .insertInto('shop_exceptions')
      .values({
        shop_id: shopId,
        date: '2026-12-25',
        opens: null,
        closes: null,
        reason: 'Christmas',
      })
      .execute();
    const service = async (code: string, prefix: string, duration: number, skills: string[]) => {
      const row = await unit.db
        .insertInto('shop_services')
        .values({
          code,
          name: code,
          ticket_prefix: prefix,
          duration_minutes: duration,
          buffer_minutes: 0,
          skills: JSON.stringify(skills),
          bookable: 1,
          walk_in: 1,
          created_at: unit.now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await unit.db
        .insertInto('shop_offered_services')
        .values({ shop_id: shopId, service_id: row.id })
        .execute();
      return row.id;
    };
    const repair = await service('device-repair', 'R', 30, ['repairs']);
    const general = await service('general-question', 'G', 10, []);
    const sales = await service('new-line', 'N', 20, ['sales']);
    const desk = await unit.db
      .insertInto('shop_desks')
      .values({ shop_id: shopId, name: 'Desk 3', created_at: unit.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await unit.db
      .updateTable('advisors')
      .set({ skills: JSON.stringify(['repairs']) })
      .where('id', '=', h.fixture.people.shopAdvisor.id)
      .execute();
    await unit.db
      .insertInto('shop_shifts')
      .values(
        [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
          shop_id: shopId,
          advisor_id: h.fixture.people.shopAdvisor.id,
          weekday,
          date: null,
          starts: hours.opens,
          ends: hours.closes,
          desk_id: desk.id,
        })),
      )
      .execute();
    return { repair, general, sales, deskId: desk.id };
  });
}

const deps = (h: Harness) => ({
  defaultRegion: h.ctx.config.defaultPhoneRegion,
  dialect: h.ctx.store.dialect,
});

async function take(
  h: Harness,
  serviceId: number,
  at?: number,
  contact: { phone?: string; email?: string } = {},
) {
  const result = await h.ctx.writer.run(
    (unit) => takeTicket(unit, deps(h), h.fixture.shopId, { serviceId, ...contact }),
    at === undefined ? {} : { at },
  );
  assert.equal(result.kind, 'ticket');
  return (result as Extract<TakeTicketResult, { kind: 'ticket' }>).ticket;
}

for (const database of databases) {
  describe(`walk-in tickets on ${database.name}`, { skip: database.skip }, () => {
    describe('numbering', () => {
      let h: Harness;
      let floor: Floor;
      before(async () => {
        h = await startHarness(await database.open(), { config: { publicRateLimitPerMinute: 0 } });
        floor = await setUpFloor(h, { opens: '00:00', closes: '24:00' });
      });
      after(() => h.close());

      test('each service counts its own numbers with its prefix, and every ticket has its own id', async () => {
        const at = inParis('2026-11-25T10:00');
        const a = await take(h, floor.repair, at);
        const b = await take(h, floor.repair, at);
        const c = await take(h, floor.general, at);
        const d = await take(h, floor.repair, at);
        assert.deepEqual([a.code, b.code, c.code, d.code], ['R-001', 'R-002', 'G-001', 'R-003']);
        assert.equal(new Set([a.id, b.id, c.id, d.id]).size, 4);
        assert.equal(a.day, '2026-11-25');
      });

      test('numbers start again at shop-local midnight, not at UTC midnight', async () => {
        // 23:59 in Paris is 22:59 UTC; two minutes later it is a new day in Paris, the same in UTC.
        const late = await take(h, floor.general, inParis('2026-11-26T23:59'));
        const early = await take(h, floor.general, inParis('2026-11-27T00:01'));
        assert.equal(
          new Date(inParis('2026-11-27T00:01')).toISOString().slice(0, 10),
          '2026-11-26',
        );
        assert.deepEqual([late.day, late.code], ['2026-11-26', 'G-001']);
        assert.deepEqual([early.day, early.code], ['2026-11-27', 'G-001']);
        const next = await take(h, floor.general, inParis('2026-11-27T08:00'));
        assert.equal(next.code, 'G-002');
      });

      test('across both daylight-saving changes the day is the shop’s calendar day', async () => {
        // 25 October 2026 lasts 25 hours in Paris, 28 March 2027 lasts 23.
        for (const [before, during, last, after] of [
          ['2026-10-24T23:30', '2026-10-25T00:30', '2026-10-25T23:30', '2026-10-26T00:30'],
          ['2027-03-27T23:30', '2027-03-28T00:30', '2027-03-28T23:30', '2027-03-29T00:30'],
        ] as const) {
          const a = await take(h, floor.sales, inParis(before));
          const b = await take(h, floor.sales, inParis(during));
          const c = await take(h, floor.sales, inParis(last));
          const d = await take(h, floor.sales, inParis(after));
          assert.deepEqual(
            [a, b, c, d].map((t) => `${t.day} ${t.code}`),
            [
              `${before.slice(0, 10)} N-001`,
              `${during.slice(0, 10)} N-001`,
              `${during.slice(0, 10)} N-002`,
              `${after.slice(0, 10)} N-001`,
            ],
          );
        }
      });

      test('a double tap with one Idempotency-Key gives one ticket', async () => {
        const send = () =>
          h.app.inject({
            method: 'POST',
            url: `/api/kiosk/${h.fixture.shopId}/tickets`,
            headers: { 'idempotency-key': 'tap-1' },
            payload: { serviceId: floor.general },
          });
        const [first, second] = await Promise.all([send(), send()]);
        const third = await send();
        assert.equal(first.statusCode, 201, first.body);
        const ids = [first, second, third].map(
          (r) => json<TakeTicketResult & { kind: 'ticket' }>(r).ticket.id,
        );
        assert.equal(new Set(ids).size, 1);
        const count = await h.ctx.store.db
          .selectFrom('shop_tickets')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('id', '=', ids[0]!)
          .executeTakeFirstOrThrow();
        assert.equal(Number(count.n), 1);
        const other = await h.app.inject({
          method: 'POST',
          url: `/api/kiosk/${h.fixture.shopId}/tickets`,
          headers: { 'idempotency-key': 'tap-2' },
          payload: { serviceId: floor.general },
        });
        assert.notEqual(json<{ ticket: { id: number } }>(other).ticket.id, ids[0]);
      });

      test('a service the shop does not offer for walk-ins, or an unknown shop, is refused clearly', async () => {
        const unknown = await h.app.inject({
          method: 'POST',
          url: `/api/kiosk/${h.fixture.shopId}/tickets`,
          payload: { serviceId: 999_999 },
        });
        assert.equal(unknown.statusCode, 422);
        assert.equal(
          json<{ errors: Array<{ field: string }> }>(unknown).errors[0]!.field,
          'serviceId',
        );
        const noShop = await h.app.inject({
          method: 'POST',
          url: '/api/kiosk/999999/tickets',
          payload: { serviceId: floor.general },
        });
        assert.equal(noShop.statusCode, 404);
        const extra = await h.app.inject({
          method: 'POST',
          url: `/api/kiosk/${h.fixture.shopId}/tickets`,
          payload: { serviceId: floor.general, name: 'x' },
        });
        assert.equal(extra.statusCode, 400);
        const badPhone = await h.app.inject({
          method: 'POST',
          url: `/api/kiosk/${h.fixture.shopId}/tickets`,
          payload: { serviceId: floor.general, phone: 'not a phone' },
        });
        assert.equal(badPhone.statusCode, 422);
      });
    });

    describe('kiosks taking tickets at once', () => {
      let h: Harness;
      let floor: Floor;
      before(async () => {
        h = await startHarness(await database.open(), { config: { publicRateLimitPerMinute: 0 } });
        floor = await setUpFloor(h, { opens: '00:00', closes: '24:00' });
      });
      after(() => h.close());

      test('twenty tickets taken together, through two nodes where there are two, get twenty numbers', async () => {
        // PostgreSQL: a second node's own pool and writer on the same database; SQLite: one writer.
        const second = database.reopen(h.ctx.store);
        const writers = [
          h.ctx.writer,
          second ? createWriter(second.db, h.ctx.bus, h.clock) : h.ctx.writer,
        ];
        try {
          const taken = await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              writers[i % 2]!.run((unit) =>
                takeTicket(unit, deps(h), h.fixture.shopId, { serviceId: floor.repair }),
              ),
            ),
          );
          const codes = taken.map((t) => (t.kind === 'ticket' ? t.ticket.code : '')).sort();
          assert.deepEqual(
            codes,
            Array.from({ length: 20 }, (_, i) => `R-${String(i + 1).padStart(3, '0')}`),
          );
        } finally {
          if (second) {
            await writers[1]!.drain();
            await second.close();
          }
        }
      });
    });

    describe('opening hours', () => {
      let h: Harness;
      let floor: Floor;
      before(async () => {
        h = await startHarness(await database.open(), { config: { publicRateLimitPerMinute: 0 } });
        floor = await setUpFloor(h, { opens: '09:00', closes: '19:00' });
      });
      after(() => h.close());

      test('a ticket is given only while the shop is open, in its own time, holidays included', async () => {
        await take(h, floor.general, inParis('2026-11-25T09:00'));
        for (const closed of ['2026-11-25T08:59', '2026-11-25T19:00', '2026-12-25T11:00']) {
          await assert.rejects(
            h.ctx.writer.run(
              (unit) => takeTicket(unit, deps(h), h.fixture.shopId, { serviceId: floor.general }),
              { at: inParis(closed) },
            ),
            (error: Error & { code?: string }) => error.code === 'shop-closed',
            closed,
          );
        }
        // The harness clock: 2026-11-25 09:00 UTC is 10:00 in Paris, open.
        const info = await h.app.inject({ method: 'GET', url: `/api/kiosk/${h.fixture.shopId}` });
        const body = json<KioskInfo>(info);
        assert.equal(body.shop.open, true);
        assert.equal(body.shop.closesAt, new Date(inParis('2026-11-25T19:00')).toISOString());
        h.clock.advance(10 * 3_600_000); // 20:00 in Paris
        const closed = await h.app.inject({
          method: 'POST',
          url: `/api/kiosk/${h.fixture.shopId}/tickets`,
          payload: { serviceId: floor.general },
        });
        assert.equal(closed.statusCode, 409);
        assert.equal(json(closed).type, 'https://rapport.dev/problems/shop-closed');
        assert.equal(
          json(closed).detail,
          'the shop is closed now; it opens on Thursday at 09:00 (Europe/Paris)',
        );
        const shut = json<KioskInfo>(
          await h.app.inject({ method: 'GET', url: `/api/kiosk/${h.fixture.shopId}` }),
        );
        assert.equal(shut.shop.open, false);
        assert.equal(shut.shop.opensAt, new Date(inParis('2026-11-26T09:00')).toISOString());
        assert.equal(shut.shop.opensText, 'on Thursday at 09:00');
      });
    });

    describe('estimated wait', () => {
      let h: Harness;
      let floor: Floor;
      before(async () => {
        h = await startHarness(await database.open(), { config: { publicRateLimitPerMinute: 0 } });
        floor = await setUpFloor(h, { opens: '00:00', closes: '24:00' });
      });
      after(() => h.close());

      test('with no history the catalogue duration sets it; the people ahead and the advisors on shift count', async () => {
        const now = h.clock.now();
        const first = await take(h, floor.repair, now);
        assert.deepEqual(first.estimate, { minutes: 0, ahead: 0, advisors: 1, basis: 'catalogue' });
        const second = await take(h, floor.repair, now);
        assert.deepEqual(second.estimate, {
          minutes: 30,
          ahead: 1,
          advisors: 1,
          basis: 'catalogue',
        });
        // A general question needs no skill: the repair advisor serves it too, after the repairs.
        const general = await take(h, floor.general, now);
        assert.equal(general.estimate.ahead, 2);
        assert.equal(general.estimate.minutes, 60);
        // Nobody on shift sells: no honest figure, and the ticket says so.
        const sales = await take(h, floor.sales, now);
        assert.deepEqual(sales.estimate, {
          minutes: null,
          ahead: 0,
          advisors: 0,
          basis: 'catalogue',
        });
      });

      test('recent service times of the service in this shop replace the catalogue, and a second advisor halves the queue', async () => {
        const now = h.clock.now();
        // Three repairs served in 12 minutes each, yesterday.
        await h.ctx.writer.run(async (unit) => {
          for (let i = 0; i < 3; i++)
            await unit.db
              .insertInto('shop_tickets')
              .values({
                shop_id: h.fixture.shopId,
                service_id: floor.repair,
                day: '2026-11-24',
                number: 100 + i,
                code: `R-${100 + i}`,
                status: 'served',
                waiting_since: now - 86_400_000,
                serving_at: now - 86_400_000,
                finished_at: now - 86_400_000 + 12 * 60_000,
                created_at: now - 86_400_000,
                updated_at: now - 86_400_000,
              })
              .execute();
        });
        const queue = await readQueue(h.ctx.store.read, h.fixture.shopId, now);
        // Waiting now: two repairs and a general question (10 min).
        const estimate = queue.estimate(floor.repair);
        assert.deepEqual(estimate, { minutes: 34, ahead: 3, advisors: 1, basis: 'history' });
        const second = await h.ctx.writer.run(async (unit) => {
          const advisor = await unit.db
            .insertInto('advisors')
            .values({
              name: 'Second',
              email: 'second@test.rapport',
              role: 'shop_advisor',
              team_id: h.fixture.teams.shopTeam,
              shop_id: h.fixture.shopId,
              password_hash: null,
              languages: '[]',
              skills: JSON.stringify(['repairs']),
              active: 1,
              created_at: unit.now,
              updated_at: unit.now,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          await unit.db
            .insertInto('shop_shifts')
            .values({
              shop_id: h.fixture.shopId,
              advisor_id: advisor.id,
              weekday: null,
              date: DateTime.fromMillis(now, { zone: paris }).toISODate()!,
              starts: '00:00',
              ends: '24:00',
              desk_id: null,
            })
            .execute();
          return advisor.id;
        });
        const two = (await readQueue(h.ctx.store.read, h.fixture.shopId, now)).estimate(
          floor.repair,
        );
        // R 12, R 12, G 10 over two advisors: free at 12 and 12, then 22 and 12 → 12.
        assert.deepEqual(two, { minutes: 12, ahead: 3, advisors: 2, basis: 'history' });
        // One of them busy with a repair started 4 minutes ago: 8 minutes left for them.
        await h.ctx.writer.run((unit) =>
          unit.db
            .insertInto('shop_tickets')
            .values({
              shop_id: h.fixture.shopId,
              service_id: floor.repair,
              day: '2026-11-25',
              number: 900,
              code: 'R-900',
              status: 'serving',
              advisor_id: second,
              waiting_since: now - 600_000,
              serving_at: now - 240_000,
              created_at: now - 600_000,
              updated_at: now,
            })
            .execute(),
        );
        const busy = (await readQueue(h.ctx.store.read, h.fixture.shopId, now)).estimate(
          floor.repair,
        );
        // Free at 0 and 8: R → 12, R → 8+12=20, G → 12+10=22; soonest free 20.
        assert.deepEqual(busy, { minutes: 20, ahead: 3, advisors: 2, basis: 'history' });
      });
    });

    describe('check-in of an appointment holder', () => {
      let h: Harness;
      let floor: Floor;
      let appointmentId: number;
      before(async () => {
        h = await startHarness(await database.open(), {
          config: {
            publicRateLimitPerMinute: 0,
            secretKey: 'a-secret-key-for-tests-only-0123456789',
          },
        });
        floor = await setUpFloor(h, { opens: '00:00', closes: '24:00' });
        appointmentId = await h.ctx.writer.run(async (unit) => {
          const customer = await unit.db
            .insertInto('customers')
            .values({
              display_name: 'Camille',
              language: null,
              consent: JSON.stringify({ email: true, sms: true }),
              owner_id: null,
              last_advisor_id: null,
              merged_into_id: null,
              erased_at: null,
              search_text: 'Camille',
              created_at: unit.now,
              updated_at: unit.now,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          const insert = (startsAt: number, phone: string) =>
            unit.db
              .insertInto('shop_appointments')
              .values({
                shop_id: h.fixture.shopId,
                service_id: floor.repair,
                customer_id: customer.id,
                starts_at: startsAt,
                ends_at: startsAt + 30 * 60_000,
                status: 'booked',
                name: 'Camille',
                phone,
                email: 'camille@example.com',
                created_at: unit.now,
                updated_at: unit.now,
              })
              .returning('id')
              .executeTakeFirstOrThrow();
          // Today at 11:00 Paris (the clock says 10:00), and one next week.
          const today = await insert(inParis('2026-11-25T11:00'), '+33612345678');
          await insert(inParis('2026-12-02T11:00'), '+33699999999');
          return today.id;
        });
      });
      after(() => h.close());

      test('an early arrival with their booking code is checked into it, once', async () => {
        const code = await signLink(h.ctx, { kind: 'appointment', id: appointmentId });
        const answer = await h.app.inject({
          method: 'POST',
          url: `/api/kiosk/${h.fixture.shopId}/check-in`,
          payload: { code },
        });
        assert.equal(answer.statusCode, 200, answer.body);
        const body = json<CheckedInView>(answer);
        assert.equal(body.appointmentId, appointmentId);
        assert.equal(body.minutesEarly, 60);
        assert.equal(body.localStart, '11:00');
        assert.equal(body.already, false);
        const row = await h.ctx.store.db
          .selectFrom('shop_appointments')
          .select(['status', 'checked_in_at'])
          .where('id', '=', appointmentId)
          .executeTakeFirstOrThrow();
        assert.equal(row.status, 'checked-in');
        assert.equal(Number(row.checked_in_at), h.clock.now());
        const again = json<CheckedInView>(
          await h.app.inject({
            method: 'POST',
            url: `/api/kiosk/${h.fixture.shopId}/check-in`,
            payload: { code },
          }),
        );
        assert.equal(again.already, true);
        const events = await h.ctx.store.db
          .selectFrom('events')
          .select('id')
          .where('type', '=', 'shop.appointment-checked-in')
          .execute();
        assert.equal(events.length, 1);
      });

      test('taking a ticket with the booking’s phone checks in instead of giving a second ticket', async () => {
        await h.ctx.writer.run((unit) =>
          unit.db
            .updateTable('shop_appointments')
            .set({ status: 'booked', checked_in_at: null })
            .where('id', '=', appointmentId)
            .execute(),
        );
        const answer = await h.app.inject({
          method: 'POST',
          url: `/api/kiosk/${h.fixture.shopId}/tickets`,
          payload: { serviceId: floor.repair, phone: '06 12 34 56 78' },
        });
        assert.equal(answer.statusCode, 200, answer.body);
        const body = json<TakeTicketResult>(answer);
        assert.equal(body.kind, 'checked-in');
        const tickets = await h.ctx.store.db.selectFrom('shop_tickets').select('id').execute();
        assert.equal(tickets.length, 0);
        const byEmail = json<CheckedInView>(
          await h.app.inject({
            method: 'POST',
            url: `/api/kiosk/${h.fixture.shopId}/check-in`,
            payload: { email: 'Camille@Example.com' },
          }),
        );
        assert.equal(byEmail.appointmentId, appointmentId);
        assert.equal(byEmail.already, true);
      });

      test('a booking of another day, a wrong code or an unknown phone is refused clearly', async () => {
        const nextWeek = await h.ctx.store.db
          .selectFrom('shop_appointments')
          .select('id')
          .where('id', '!=', appointmentId)
          .executeTakeFirstOrThrow();
        const later = await h.app.inject({
          method: 'POST',
          url: `/api/kiosk/${h.fixture.shopId}/check-in`,
          payload: { code: await signLink(h.ctx, { kind: 'appointment', id: nextWeek.id }) },
        });
        assert.equal(later.statusCode, 409);
        assert.match(String(json(later).detail), /Wednesday 2 December 2026, not today/);
        const forged = await h.app.inject({
          method: 'POST',
          url: `/api/kiosk/${h.fixture.shopId}/check-in`,
          payload: { code: `a${appointmentId}.${'x'.repeat(32)}` },
        });
        assert.equal(forged.statusCode, 422);
        const nobody = await h.app.inject({
          method: 'POST',
          url: `/api/kiosk/${h.fixture.shopId}/check-in`,
          payload: { phone: '+33600000001' },
        });
        assert.equal(nobody.statusCode, 404);
        // A walk-in with the phone of next week's booking gets a ticket.
        const walkIn = json<TakeTicketResult>(
          await h.app.inject({
            method: 'POST',
            url: `/api/kiosk/${h.fixture.shopId}/tickets`,
            payload: { serviceId: floor.repair, phone: '+33699999999' },
          }),
        );
        assert.equal(walkIn.kind, 'ticket');
      });
    });

    describe('your turn nears', () => {
      let h: Harness;
      let floor: Floor;
      before(async () => {
        h = await startHarness(await database.open(), {
          gateway: true,
          config: { publicRateLimitPerMinute: 0 },
        });
        floor = await setUpFloor(h, { opens: '00:00', closes: '24:00' });
      });
      after(() => h.close());

      test('a call tells the tickets now near the front, once each, on the phone they left', async () => {
        const now = h.clock.now();
        const phones = [
          '+33611111101',
          '+33611111102',
          '+33611111103',
          '+33611111104',
          '+33611111105',
        ];
        const tickets: TicketView[] = [];
        for (const phone of phones) tickets.push(await take(h, floor.general, now, { phone }));
        assert.ok(tickets.every((t) => t.notify));
        const anonymous = await take(h, floor.general, now);
        assert.equal(anonymous.notify, false);

        // The listener queues one job per call; the job's handler tells whoever is near the front.
        const stop = startTurnNearing(h.ctx);
        const outbox = createOutbox(h.ctx);
        await h.ctx.writer.run(async (unit) => {
          await unit.db
            .updateTable('shop_tickets')
            .set({
              status: 'called',
              first_called_at: unit.now,
              last_called_at: unit.now,
              advisor_id: h.fixture.people.shopAdvisor.id,
            })
            .where('id', '=', tickets[0]!.id)
            .execute();
          await recordBoardCall(
            unit,
            {
              shopId: h.fixture.shopId,
              ticketId: tickets[0]!.id,
              code: tickets[0]!.code,
              deskId: floor.deskId,
              deskName: 'Desk 3',
            },
            systemActor,
          );
        });
        let job;
        for (let i = 0; i < 100 && !job; i++) {
          job = await h.ctx.store.db
            .selectFrom('jobs')
            .selectAll()
            .where('type', '=', turnNearingJobType)
            .executeTakeFirst();
          if (!job) await new Promise((r) => setTimeout(r, 20));
        }
        stop();
        assert.ok(job, 'a turn-nearing job was queued for the call');
        await turnNearingJobs(h.ctx, outbox)[turnNearingJobType]!({
          id: job.id,
          type: job.type,
          payload: JSON.parse(job.payload),
          attempt: 1,
          key: job.key,
        });
        const told = await h.ctx.store.db
          .selectFrom('shop_tickets')
          .select(['code', 'near_notified_at'])
          .where('near_notified_at', 'is not', null)
          .orderBy('id')
          .execute();
        // The advisor is busy with G-001 (10 min): G-002 (0 ahead, 10 min), G-003 (1 ahead, 20),
        // G-004 (2 ahead, 30) are near; G-005 (3 ahead, 40 min) is not yet.
        assert.deepEqual(
          told.map((t) => t.code),
          ['G-002', 'G-003', 'G-004'],
        );
        const messages = await h.ctx.store.db
          .selectFrom('interactions')
          .select(['to_address', 'text', 'kind'])
          .where('automated', '=', 1)
          .orderBy('id')
          .execute();
        assert.deepEqual(
          messages.map((m) => [m.kind, m.to_address]),
          [
            ['sms', '+33611111102'],
            ['sms', '+33611111103'],
            ['sms', '+33611111104'],
          ],
        );
        assert.match(messages[0]!.text, /ticket G-002\. You are next\./);
        // Another call later: only the newly near are told, nobody twice.
        await h.ctx.writer.run(async (unit) => {
          await unit.db
            .updateTable('shop_tickets')
            .set({ status: 'called', advisor_id: h.fixture.people.shopAdvisor.id })
            .where('id', '=', tickets[1]!.id)
            .execute();
          await unit.db
            .updateTable('shop_tickets')
            .set({ status: 'served', serving_at: now, finished_at: now + 60_000 })
            .where('id', '=', tickets[0]!.id)
            .execute();
        });
        const second = await h.ctx.writer.run((unit) =>
          notifyTurnNearing(unit, outbox, h.fixture.shopId),
        );
        assert.deepEqual(second, ['G-005']);
        const again = await h.ctx.writer.run((unit) =>
          notifyTurnNearing(unit, outbox, h.fixture.shopId),
        );
        assert.deepEqual(again, []);
        // The message goes out through the job queue, to the provider.
        for (let i = 0; i < 200 && h.gateway!.provider.messages.size < 4; i++)
          await new Promise((r) => setTimeout(r, 20));
        assert.equal(h.gateway!.provider.messages.size, 4);
      });
    });
  });
}
