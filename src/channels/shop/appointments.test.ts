import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { createWriter } from '../../platform/db/writer.ts';
import type { Store } from '../../platform/db/connect.ts';
import type { AppointmentView, BookingResult, SlotList } from '../../api-types/appointments.ts';
import {
  appointmentJobs,
  bookAppointment,
  readyLinks,
  reminderJobType,
  sendReminder,
} from './appointments.ts';
import { startJobWorkers } from '../../platform/jobs/workers.ts';

const databases = await testDatabases();

// The harness clock starts on Wednesday 25 November 2026, 09:00 UTC; Lyon is on Paris time (CET).
const monday10 = '2026-11-30T09:00:00.000Z';

interface Setup {
  readonly serviceId: number;
  readonly sundayServiceId: number;
  readonly advisorId: number;
}

async function floorOf(h: Harness): Promise<Setup> {
  return h.ctx.writer.run(async (unit) => {
    const shopId = h.fixture.shopId;
    await unit.db
      .updateTable('shops')
      .set({ postcode: '69003' })
      .where('id', '=', shopId)
      .execute();
    await unit.db
      .insertInto('shop_hours')
      .values(
        [1, 2, 3, 4, 5, 6].flatMap((weekday) => [
          { shop_id: shopId, weekday, opens: '10:00', closes: '13:00' },
          { shop_id: shopId, weekday, opens: '14:00', closes: '19:00' },
        ]),
      )
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
    const desks = [];
    for (const name of ['Desk 1', 'Desk 2'])
      desks.push(
        (
          await unit.db
            .insertInto('shop_desks')
            .values({ shop_id: shopId, name, created_at: unit.now })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
    const advisorId = h.fixture.people.shopAdvisor.id;
    await unit.db
      .updateTable('advisors')
      .set({ skills: JSON.stringify(['repairs']) })
      .where('id', '=', advisorId)
      .execute();
    // One advisor works the whole week: they are the slot's only capacity (two desks).
    await unit.db
      .insertInto('shop_shifts')
      .values(
        [1, 2, 3, 4, 5, 6].map((weekday) => ({
          shop_id: shopId,
          advisor_id: advisorId,
          weekday,
          date: null,
          starts: '10:00',
          ends: '19:00',
          desk_id: null,
        })),
      )
      .execute();
    const service = async (code: string, skills: string[], bookable: number) =>
      (
        await unit.db
          .insertInto('shop_services')
          .values({
            code,
            name: code === 'device-repair' ? 'Device repair' : 'Contract change',
            ticket_prefix: code[0]!.toUpperCase(),
            duration_minutes: 30,
            buffer_minutes: 10,
            skills: JSON.stringify(skills),
            bookable,
            walk_in: 1,
            created_at: unit.now,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const serviceId = await service('device-repair', ['repairs'], 1);
    const other = await service('contract-change', ['sales'], 1);
    await unit.db
      .insertInto('shop_offered_services')
      .values([
        { shop_id: shopId, service_id: serviceId },
        { shop_id: shopId, service_id: other },
      ])
      .execute();
    return { serviceId, sundayServiceId: other, advisorId };
  });
}

const problemOf = (r: LightMyRequestResponse) =>
  json<{ type: string; status: number; errors?: Array<{ field: string; reason: string }> }>(r);

for (const db of databases) {
  describe(`appointments (${db.name})`, { skip: db.skip }, () => {
    let h: Harness;
    let floor: Setup;
    let store: Store;

    before(async () => {
      store = await db.open();
      h = await startHarness(store, { config: { publicRateLimitPerMinute: 0 } });
      floor = await floorOf(h);
    });
    after(async () => h.close());

    const book = (
      startsAt: string,
      who: Record<string, string> = {},
      headers: Record<string, string> = {},
    ) =>
      h.app.inject({
        method: 'POST',
        url: '/api/book/appointments',
        headers,
        payload: {
          shopId: h.fixture.shopId,
          serviceId: floor.serviceId,
          startsAt,
          name: 'Ana Lima',
          email: 'ana@example.com',
          phone: '+33 6 12 34 56 78',
          ...who,
        },
      });
    const slots = async (from: string, to: string) =>
      json<SlotList>(
        await h.app.inject({
          method: 'GET',
          url: `/api/book/shops/${h.fixture.shopId}/slots?serviceId=${floor.serviceId}&from=${from}&to=${to}`,
        }),
      );

    test('free slots follow the hours, the lunch break and the advisor, in the shop zone', async () => {
      const list = await slots('2026-11-29', '2026-11-30');
      assert.equal(list.timeZone, 'Europe/Paris');
      // Sunday is closed; Monday opens at 10:00 local, which is 09:00 UTC in winter.
      assert.equal(list.items[0]!.startsAt, monday10);
      assert.equal(list.items[0]!.time, '10:00');
      const times = list.items.map((s) => s.time);
      // 30 minutes + 10 of buffer must fit before 13:00: 12:15 is the last morning start.
      assert.ok(times.includes('12:15'));
      assert.ok(!times.includes('12:30'));
      assert.ok(!times.includes('13:30'));
      assert.equal(times[times.indexOf('12:15') + 1], '14:00');
      assert.equal(times.at(-1), '18:15');
      const christmas = await slots('2026-12-25', '2026-12-25');
      assert.deepEqual(christmas.items, []);
    });

    test('across the spring change a special Sunday opens at 09:00 local, and is booked so', async () => {
      // Sunday 28 March 2027, the clocks go forward in Paris (and Madrid) at 02:00: opened that day
      // only, by an exception with times and a dated shift.
      await h.ctx.writer.run(async (unit) => {
        await unit.db
          .insertInto('shop_exceptions')
          .values({
            shop_id: h.fixture.shopId,
            date: '2027-03-28',
            opens: '09:00',
            closes: '12:00',
            reason: 'Spring fair',
          })
          .execute();
        await unit.db
          .insertInto('shop_shifts')
          .values({
            shop_id: h.fixture.shopId,
            advisor_id: floor.advisorId,
            weekday: null,
            date: '2027-03-28',
            starts: '09:00',
            ends: '12:00',
            desk_id: null,
          })
          .execute();
      });
      const list = await slots('2027-03-27', '2027-03-29');
      const first = (date: string) => list.items.find((s) => s.date === date)!;
      assert.equal(first('2027-03-27').startsAt, '2027-03-27T09:00:00.000Z'); // Saturday 10:00 CET
      assert.equal(first('2027-03-28').startsAt, '2027-03-28T07:00:00.000Z'); // Sunday 09:00 CEST
      assert.equal(first('2027-03-28').time, '09:00');
      assert.equal(list.items.filter((s) => s.date === '2027-03-28').at(-1)!.time, '11:15');
      assert.equal(first('2027-03-29').startsAt, '2027-03-29T08:00:00.000Z'); // Monday 10:00 CEST
      const booked = await book('2027-03-28T07:00:00Z', {
        email: 'spring@example.com',
        phone: '+33666666666',
      });
      assert.equal(booked.statusCode, 201, booked.body);
      assert.equal(
        json<BookingResult>(booked).appointment.when,
        'Sun 28 Mar 2027, 09:00 (Europe/Paris, CEST)',
      );
    });

    test('booking finds or creates the customer, opens a shop case, claims the cells and tells them with an .ics', async () => {
      const response = await book(monday10);
      assert.equal(response.statusCode, 201, response.body);
      const result = json<BookingResult>(response);
      assert.equal(result.appointment.status, 'booked');
      assert.equal(result.appointment.when, 'Mon 30 Nov 2026, 10:00 (Europe/Paris, CET)');
      assert.deepEqual(result.confirmations.sent.sort(), ['email', 'sms']);
      const row = await store.db
        .selectFrom('shop_appointments')
        .selectAll()
        .where('id', '=', result.appointment.id)
        .executeTakeFirstOrThrow();
      const conversation = await store.db
        .selectFrom('conversations')
        .selectAll()
        .where('id', '=', Number(row.conversation_id))
        .executeTakeFirstOrThrow();
      assert.equal(conversation.origin_channel, 'shop');
      assert.equal(Number(conversation.shop_id), h.fixture.shopId);
      const identities = await store.db
        .selectFrom('identities')
        .select(['kind', 'value'])
        .where('customer_id', '=', row.customer_id)
        .orderBy('kind')
        .execute();
      assert.deepEqual(identities, [
        { kind: 'email', value: 'ana@example.com' },
        { kind: 'phone', value: '+33612345678' },
      ]);
      const claims = await store.db
        .selectFrom('shop_claims')
        .select(['resource'])
        .where('owner_type', '=', 'appointment')
        .where('owner_id', '=', Number(row.id))
        .execute();
      // 40 minutes held (30 + 10 buffer) = 8 cells on the desk and 8 on the advisor.
      assert.equal(claims.length, 16);
      assert.equal(claims.filter((c) => c.resource === `advisor:${floor.advisorId}`).length, 8);
      const messages = await store.db
        .selectFrom('interactions')
        .selectAll()
        .where('conversation_id', '=', Number(row.conversation_id))
        .orderBy('id')
        .execute();
      assert.deepEqual(
        messages.map((m) => m.channel),
        ['email', 'sms'],
      );
      assert.match(messages[1]!.text, /Mon 30 Nov 2026, 10:00 \(Europe\/Paris, CET\)/);
      assert.match(messages[1]!.text, /\/appointment\/a\d+\.[A-Za-z0-9_-]{32}\?v=1/);
      assert.equal(messages[0]!.automated, 1);
      const [ics] = JSON.parse(messages[0]!.attachments) as Array<{ id: string; name: string }>;
      assert.equal(ics!.name, 'appointment.ics');
      assert.equal(messages[1]!.attachments, '[]');
      const blob = await store.db
        .selectFrom('blobs')
        .select('bytes')
        .where('sha256', '=', ics!.id)
        .executeTakeFirstOrThrow();
      const file = Buffer.from(blob.bytes).toString('utf8');
      assert.match(file, /DTSTART;TZID=Europe\/Paris:20261130T100000\r\n/);
      assert.match(file, /DTEND;TZID=Europe\/Paris:20261130T103000\r\n/);
      assert.match(file, /BEGIN:VTIMEZONE\r\nTZID:Europe\/Paris\r\n/);
      const reminder = await store.db
        .selectFrom('jobs')
        .selectAll()
        .where('type', '=', reminderJobType)
        .where('key', '=', `shop-reminder:${row.id}:v1`)
        .executeTakeFirstOrThrow();
      assert.equal(Number(reminder.run_at), Date.parse(monday10) - 86_400_000);
      assert.deepEqual(JSON.parse(reminder.payload), { appointmentId: Number(row.id), version: 1 });
      // The only advisor is held until 10:40 (30 minutes and the buffer): 10:45 is the next start.
      const list = await slots('2026-11-30', '2026-11-30');
      assert.equal(list.items[0]!.time, '10:45');
    });

    test('a past, closed, off-grid or taken slot is refused with a clear problem', async () => {
      const past = await book('2026-11-25T08:00:00Z');
      assert.equal(past.statusCode, 422);
      assert.equal(problemOf(past).type, 'https://rapport.dev/problems/slot-in-past');
      assert.equal(problemOf(past).errors![0]!.field, 'startsAt');
      assert.equal(past.headers['content-type'], 'application/problem+json; charset=utf-8');
      const sunday = await book('2026-11-29T09:00:00Z');
      assert.equal(sunday.statusCode, 422);
      assert.equal(problemOf(sunday).type, 'https://rapport.dev/problems/slot-unavailable');
      const lunch = await book('2026-11-30T12:15:00Z');
      assert.equal(problemOf(lunch).type, 'https://rapport.dev/problems/slot-unavailable');
      const offGrid = await book('2026-11-30T10:05:00Z');
      assert.equal(problemOf(offGrid).type, 'https://rapport.dev/problems/slot-unavailable');
      const taken = await book(monday10, { email: 'someone@example.com', phone: '+33611111111' });
      assert.equal(taken.statusCode, 409);
      assert.equal(problemOf(taken).type, 'https://rapport.dev/problems/slot-taken');
      // Nobody with the sales skill works here: that service has no slot at all.
      const noSkill = await h.app.inject({
        method: 'POST',
        url: '/api/book/appointments',
        payload: {
          shopId: h.fixture.shopId,
          serviceId: floor.sundayServiceId,
          startsAt: '2026-12-01T09:00:00Z',
          name: 'Bo',
          email: 'bo@example.com',
        },
      });
      assert.equal(problemOf(noSkill).type, 'https://rapport.dev/problems/slot-unavailable');
      const nobody = await h.app.inject({
        method: 'POST',
        url: '/api/book/appointments',
        payload: {
          shopId: h.fixture.shopId,
          serviceId: floor.serviceId,
          startsAt: '2026-12-01T09:00:00Z',
          name: 'Cy',
        },
      });
      assert.equal(nobody.statusCode, 422);
      assert.equal(problemOf(nobody).errors![0]!.field, 'email');
      const strict = await book('2026-12-01T09:00:00Z', { extra: 'x' });
      assert.equal(strict.statusCode, 400);
    });

    test('ten parallel bookings of one slot: one success and nine clear refusals', async () => {
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          book('2026-12-01T13:00:00Z', {
            email: `racer${i}@example.com`,
            phone: `+3361000000${i}`,
          }),
        ),
      );
      const codes = responses.map((r) => r.statusCode).sort();
      assert.deepEqual(codes, [201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
      for (const r of responses.filter((r) => r.statusCode === 409))
        assert.equal(problemOf(r).type, 'https://rapport.dev/problems/slot-taken');
      const held = await store.db
        .selectFrom('shop_appointments')
        .select('id')
        .where('starts_at', '=', Date.parse('2026-12-01T13:00:00Z'))
        .execute();
      assert.equal(held.length, 1);
    });

    /** Ten nodes (each its own pool and writer) booking one start at once. */
    async function raceOnNodes(startsAt: string, tag: string) {
      const nodes = Array.from({ length: 10 }, () => db.reopen(store)!);
      try {
        await readyLinks(h.ctx);
        return await Promise.allSettled(
          nodes.map((node, i) => {
            let attempt = 0;
            return createWriter(node.db, h.ctx.bus, h.ctx.clock).run((unit) =>
              bookAppointment(
                { ctx: h.ctx, outbox: undefined },
                unit,
                {
                  shopId: h.fixture.shopId,
                  serviceId: floor.serviceId,
                  startsAt: Date.parse(startsAt),
                  name: `Node ${i}`,
                  email: `${tag}${i}@example.com`,
                },
                { mayRetry: ++attempt < 3 },
              ),
            );
          }),
        );
      } finally {
        await Promise.all(nodes.map((n) => n.close()));
      }
    }
    const onlyPostgres = {
      skip:
        db.name === 'sqlite'
          ? 'one SQLite writer per process: the HTTP race above covers it'
          : false,
    };

    test('ten nodes booking one slot at once: the claims key keeps one', onlyPostgres, async () => {
      const outcomes = await raceOnNodes('2026-12-02T15:00:00Z', 'node');
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
      for (const o of outcomes)
        if (o.status === 'rejected')
          assert.equal((o.reason as { code?: string }).code, 'slot-taken', String(o.reason));
    });

    test(
      'with two advisors on shift, ten nodes get two bookings: a lost race takes the other advisor',
      onlyPostgres,
      async () => {
        const second = h.fixture.people.techAdvisor.id;
        await h.ctx.writer.run(async (unit) => {
          await unit.db
            .updateTable('advisors')
            .set({ skills: JSON.stringify(['repairs']) })
            .where('id', '=', second)
            .execute();
          await unit.db
            .insertInto('shop_shifts')
            .values({
              shop_id: h.fixture.shopId,
              advisor_id: second,
              weekday: null,
              date: '2026-12-09',
              starts: '10:00',
              ends: '19:00',
              desk_id: null,
            })
            .execute();
        });
        const outcomes = await raceOnNodes('2026-12-09T13:00:00Z', 'pair');
        const won = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
        assert.equal(
          won.length,
          2,
          JSON.stringify(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok'))),
        );
        const rows = await store.db
          .selectFrom('shop_appointments')
          .select(['advisor_id', 'desk_id'])
          .where('starts_at', '=', Date.parse('2026-12-09T13:00:00Z'))
          .execute();
        assert.deepEqual(
          new Set(rows.map((r) => Number(r.advisor_id))),
          new Set([floor.advisorId, second]),
        );
        assert.equal(new Set(rows.map((r) => Number(r.desk_id))).size, 2);
        for (const o of outcomes)
          if (o.status === 'rejected')
            assert.equal((o.reason as { code?: string }).code, 'slot-taken');
      },
    );

    test('an Idempotency-Key replays the booking instead of booking twice', async () => {
      const headers = { 'idempotency-key': 'book-once-1' };
      const first = await book(
        '2026-12-03T10:00:00Z',
        { email: 'key@example.com', phone: '+33622222222' },
        headers,
      );
      const again = await book(
        '2026-12-03T10:00:00Z',
        { email: 'key@example.com', phone: '+33622222222' },
        headers,
      );
      assert.equal(first.statusCode, 201);
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(
        json<BookingResult>(again).appointment.id,
        json<BookingResult>(first).appointment.id,
      );
    });

    test('moving grows the version, moves the claims, and the old reminder is never sent', async () => {
      const booked = json<BookingResult>(
        await book('2026-12-04T10:00:00Z', { email: 'mover@example.com', phone: '+33633333333' }),
      ).appointment;
      const stale = await h.app.inject({
        method: 'POST',
        url: `/api/book/appointments/${booked.token}/reschedule`,
        payload: { startsAt: '2026-12-04T14:00:00Z', version: 7 },
      });
      assert.equal(problemOf(stale).type, 'https://rapport.dev/problems/appointment-changed');
      const moved = await h.app.inject({
        method: 'POST',
        url: `/api/book/appointments/${booked.token}/reschedule`,
        payload: { startsAt: '2026-12-04T14:00:00Z', version: 1 },
      });
      assert.equal(moved.statusCode, 200, moved.body);
      const view = json<BookingResult>(moved).appointment;
      assert.equal(view.version, 2);
      assert.equal(view.when, 'Fri 4 Dec 2026, 15:00 (Europe/Paris, CET)');
      const day = await slots('2026-12-04', '2026-12-04');
      assert.ok(
        day.items.some((s) => s.startsAt === '2026-12-04T10:00:00.000Z'),
        'the old slot is free again',
      );
      assert.ok(!day.items.some((s) => s.startsAt === '2026-12-04T14:00:00.000Z'));
      const deps = { ctx: h.ctx, outbox: undefined };
      await readyLinks(h.ctx);
      const jobs = await store.db
        .selectFrom('jobs')
        .select(['payload', 'run_at'])
        .where('type', '=', reminderJobType)
        .where('key', 'like', `shop-reminder:${view.id}:%`)
        .execute();
      assert.equal(jobs.length, 2);
      // The reminder for version 1 finds a moved appointment: nothing is sent.
      assert.equal(
        await h.ctx.writer.run((unit) =>
          sendReminder(deps, unit, { appointmentId: view.id, version: 1 }),
        ),
        false,
      );
      // Version 2's reminder goes once; a rerun of its job sends nothing more.
      assert.equal(
        await h.ctx.writer.run((unit) =>
          sendReminder(deps, unit, { appointmentId: view.id, version: 2 }),
        ),
        true,
      );
      assert.equal(
        await h.ctx.writer.run((unit) =>
          sendReminder(deps, unit, { appointmentId: view.id, version: 2 }),
        ),
        false,
      );
      const reminders = await store.db
        .selectFrom('interactions')
        .select('text')
        .where('text', 'like', 'Hello Ana, a reminder%')
        .execute();
      assert.equal(reminders.length, 2);
      assert.match(reminders[0]!.text, /Fri 4 Dec 2026, 15:00 \(Europe\/Paris, CET\)/);
    });

    test('cancelling frees the slot; the old link shows it cancelled and points to the live booking', async () => {
      const first = json<BookingResult>(
        await book('2026-12-05T10:00:00Z', {
          email: 'canceller@example.com',
          phone: '+33644444444',
        }),
      ).appointment;
      const cancelled = await h.app.inject({
        method: 'POST',
        url: `/api/book/appointments/${first.token}/cancel`,
        payload: { version: 1 },
      });
      assert.equal(cancelled.statusCode, 200, cancelled.body);
      assert.equal(json<BookingResult>(cancelled).appointment.status, 'cancelled');
      const deps = { ctx: h.ctx, outbox: undefined };
      assert.equal(
        await h.ctx.writer.run((unit) =>
          sendReminder(deps, unit, { appointmentId: first.id, version: 1 }),
        ),
        false,
      );
      const claims = await store.db
        .selectFrom('shop_claims')
        .select('resource')
        .where('owner_id', '=', first.id)
        .where('owner_type', '=', 'appointment')
        .execute();
      assert.equal(claims.length, 0);
      const again = await h.app.inject({
        method: 'POST',
        url: `/api/book/appointments/${first.token}/cancel`,
        payload: {},
      });
      assert.equal(problemOf(again).type, 'https://rapport.dev/problems/appointment-closed');
      const second = json<BookingResult>(
        await book('2026-12-05T10:00:00Z', {
          email: 'canceller@example.com',
          phone: '+33644444444',
        }),
      ).appointment;
      const old = json<AppointmentView>(
        await h.app.inject({ method: 'GET', url: `/api/book/appointments/${first.token}` }),
      );
      assert.equal(old.status, 'cancelled');
      assert.equal(old.live?.token, second.token);
      assert.equal(old.live?.when, 'Sat 5 Dec 2026, 11:00 (Europe/Paris, CET)');
      const forged = await h.app.inject({
        method: 'GET',
        url: `/api/book/appointments/a${first.id}.${'x'.repeat(32)}`,
      });
      assert.equal(forged.statusCode, 404);
    });

    test('the job queue runs the reminder the day before, in shop time', async () => {
      const booked = json<BookingResult>(
        await book('2026-12-07T13:00:00Z', { email: 'remind@example.com', phone: '+33655555555' }),
      ).appointment;
      const workers = startJobWorkers({
        dialect: store.dialect,
        writer: h.ctx.writer,
        logger: h.ctx.logger,
        handlers: appointmentJobs({ ctx: h.ctx, outbox: undefined }),
        pollMs: 20,
      });
      try {
        const key = `shop-reminder:${booked.id}:v1`;
        const state = async () =>
          (
            await store.db
              .selectFrom('jobs')
              .select('state')
              .where('key', '=', key)
              .executeTakeFirstOrThrow()
          ).state;
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(await state(), 'queued', 'not run before its time');
        h.clock.advance(Date.parse('2026-12-06T13:00:00Z') - h.clock.now());
        for (let i = 0; i < 200 && (await state()) !== 'done'; i++)
          await new Promise((r) => setTimeout(r, 25));
        assert.equal(await state(), 'done');
        const texts = await store.db
          .selectFrom('interactions')
          .select(['channel', 'text'])
          .where('to_address', '=', '+33655555555')
          .where('text', 'like', '%a reminder%')
          .execute();
        assert.equal(texts.length, 1);
        assert.match(texts[0]!.text, /Mon 7 Dec 2026, 14:00 \(Europe\/Paris, CET\)/);
      } finally {
        await workers.stop();
      }
    });

    test('shops are listed nearest first from a postcode or a location', async () => {
      await h.ctx.writer.run(async (unit) => {
        const other = await unit.db
          .insertInto('shops')
          .values({
            name: 'Paris',
            city: 'Paris',
            time_zone: 'Europe/Paris',
            address: '1 rue de Rivoli',
            team_id: null,
            created_at: unit.now,
            postcode: '75001',
            latitude: 48.8606,
            longitude: 2.3376,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await unit.db
          .updateTable('shops')
          .set({ latitude: 45.7606, longitude: 4.8593 })
          .where('id', '=', h.fixture.shopId)
          .execute();
        await unit.db
          .insertInto('shop_offered_services')
          .values({ shop_id: other.id, service_id: floor.serviceId })
          .execute();
      });
      const names = async (query: string) =>
        json<{ items: Array<{ name: string; distanceKm: number | null }> }>(
          await h.app.inject({ method: 'GET', url: `/api/book/shops${query}` }),
        ).items;
      assert.deepEqual(
        (await names('?postcode=69007')).map((s) => s.name),
        ['Lyon', 'Paris'],
      );
      assert.deepEqual(
        (await names('?postcode=75002')).map((s) => s.name),
        ['Paris', 'Lyon'],
      );
      const fromParis = await names('?latitude=48.85&longitude=2.35');
      assert.deepEqual(
        fromParis.map((s) => s.name),
        ['Paris', 'Lyon'],
      );
      assert.ok(fromParis[1]!.distanceKm! > 380 && fromParis[1]!.distanceKm! < 400);
      const half = await h.app.inject({ method: 'GET', url: '/api/book/shops?latitude=48.85' });
      assert.equal(half.statusCode, 422);
    });
  });
}
