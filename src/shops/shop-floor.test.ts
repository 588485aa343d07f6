import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import type { Shop, ShopDesk, ShopException } from '../api-types/shops.ts';
import type { ShopService, ShopShift } from '../api-types/shop-floor.ts';
import { createAdvisor } from '../advisors/advisors.ts';
import { systemActor } from '../platform/events/event.ts';

interface Problem {
  readonly type: string;
  readonly errors?: ReadonlyArray<{ field: string; reason: string }>;
}

for (const database of await testDatabases()) {
  describe(`a shop's floor on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let admin: string;
    let shopAdvisor: string;
    let advisor: string;
    let supervisor: string;
    let shopId: number;

    const call = (
      cookie: string,
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      url: string,
      payload?: Record<string, unknown>,
    ) =>
      h.app.inject({
        method,
        url,
        headers: { cookie },
        ...(payload ? { payload } : {}),
      });
    /** Asserts a 422 naming `field`, with a reason matching `reason`. */
    const refused = async (
      response: Awaited<ReturnType<typeof call>>,
      field: string,
      reason: RegExp,
    ) => {
      assert.equal(response.statusCode, 422, response.body);
      assert.match(String(response.headers['content-type']), /application\/problem\+json/);
      const problem = json<Problem>(response);
      const found = problem.errors?.find((e) => e.field === field);
      assert.ok(found, `no error for ${field}: ${response.body}`);
      assert.match(found.reason, reason);
    };
    const shop = async () => json<Shop>(await call(advisor, 'GET', `/api/shops/${shopId}`));

    before(async () => {
      h = await startHarness(await database.open());
      admin = await h.signIn(h.fixture.people.admin.email);
      shopAdvisor = await h.signIn(h.fixture.people.shopAdvisor.email);
      advisor = await h.signIn(h.fixture.people.advisor.email);
      supervisor = await h.signIn(h.fixture.people.supervisor.email);
      shopId = h.fixture.shopId;
    });
    after(() => h.close());

    test('a shop has an address, a postcode and a place; a half place is refused', async () => {
      const moved = await call(admin, 'PATCH', `/api/shops/${shopId}`, {
        postcode: '69002',
        latitude: 45.764,
        longitude: 4.8357,
      });
      assert.equal(moved.statusCode, 200, moved.body);
      const s = json<Shop>(moved);
      assert.equal(s.postcode, '69002');
      assert.equal(s.latitude, 45.764);
      assert.equal(s.longitude, 4.8357);
      await refused(
        await call(admin, 'PATCH', `/api/shops/${shopId}`, { latitude: null }),
        'latitude',
        /both latitude and longitude/,
      );
      const far = await call(admin, 'PATCH', `/api/shops/${shopId}`, { latitude: 91 });
      assert.equal(far.statusCode, 400, far.body);
      const zones = json<{ items: string[] }>(await call(advisor, 'GET', '/api/time-zones'));
      assert.ok(zones.items.includes('Europe/Paris'));
    });

    test('several openings a day, never overlapping; "open now" sees the lunch break', async () => {
      // The harness clock: Wednesday 25 November 2026, 09:00 UTC, 10:00 in Lyon.
      const week = [1, 2, 3, 4, 5].flatMap((weekday) => [
        { weekday, opens: '09:30', closes: '12:30' },
        { weekday, opens: '13:30', closes: '18:00' },
      ]);
      const saved = await call(admin, 'PUT', `/api/shops/${shopId}/hours`, { hours: week });
      assert.equal(saved.statusCode, 200, saved.body);
      assert.equal(json<Shop>(saved).hours.length, 10);
      assert.equal(json<Shop>(saved).openNow, true);
      h.clock.advance(3 * 3600_000); // 13:00 in Lyon: lunch
      assert.equal((await shop()).openNow, false);
      h.clock.advance(-3 * 3600_000);
      await refused(
        await call(admin, 'PUT', `/api/shops/${shopId}/hours`, {
          hours: [
            { weekday: 3, opens: '09:00', closes: '13:00' },
            { weekday: 3, opens: '12:00', closes: '18:00' },
          ],
        }),
        'hours[1].opens',
        /overlaps another opening of Wednesday/,
      );
      assert.equal((await shop()).hours.length, 10, 'a refused week changes nothing');
    });

    test('exceptions: a closure and special hours on real dates from today on', async () => {
      const add = (payload: Record<string, unknown>) =>
        call(admin, 'POST', `/api/shops/${shopId}/exceptions`, payload);
      const today = await add({ date: '2026-11-25', reason: 'Inventory' });
      assert.equal(today.statusCode, 201, today.body);
      assert.equal((await shop()).openNow, false, 'closed today by the exception');
      const eve = await add({
        date: '2026-12-24',
        opens: '10:00',
        closes: '16:00',
        reason: 'Christmas Eve',
      });
      assert.equal(eve.statusCode, 201, eve.body);
      await refused(
        await add({ date: '2026-11-24', reason: 'Yesterday' }),
        'exception.date',
        /past/,
      );
      await refused(
        await add({ date: '2026-02-30', reason: 'No such day' }),
        'exception.date',
        /real date/,
      );
      await refused(
        await add({ date: '2026-12-24', reason: 'Closed' }),
        'exception.date',
        /special hours/,
      );
      await refused(
        await add({ date: '2026-12-31', opens: '10:00', reason: 'Half' }),
        'exception.closes',
        /both times/,
      );
      await refused(
        await add({ date: '2026-12-24', opens: '15:00', closes: '17:00', reason: 'Late' }),
        'exception.opens',
        /overlaps/,
      );
      const blank = await add({ date: '2026-12-26', reason: 'x' });
      assert.equal(blank.statusCode, 201, blank.body);
      const listed = (await shop()).exceptions;
      assert.deepEqual(
        listed.map((e) => [e.date, e.opens, e.closes, e.reason]),
        [
          ['2026-11-25', null, null, 'Inventory'],
          ['2026-12-24', '10:00', '16:00', 'Christmas Eve'],
          ['2026-12-26', null, null, 'x'],
        ],
      );
      const removed = await call(
        admin,
        'DELETE',
        `/api/shop-exceptions/${json<ShopException>(today).id}`,
      );
      assert.equal(removed.statusCode, 204, removed.body);
      assert.equal((await shop()).openNow, true, 'open again on its weekly hours');
      assert.equal(
        (await call(admin, 'DELETE', `/api/shop-exceptions/${json<ShopException>(today).id}`))
          .statusCode,
        404,
      );
      const events = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('type', 'like', 'shop.exception-%')
        .orderBy('id')
        .execute();
      assert.deepEqual(
        events.map((e) => e.type),
        [
          'shop.exception-added',
          'shop.exception-added',
          'shop.exception-added',
          'shop.exception-removed',
        ],
      );
    });

    test('desks: names unique in the shop, renamed, taken out of service', async () => {
      const add = (name: string) => call(admin, 'POST', `/api/shops/${shopId}/desks`, { name });
      const one = await add('Desk 1');
      assert.equal(one.statusCode, 201, one.body);
      const two = await add('Desk 2');
      assert.equal(two.statusCode, 201, two.body);
      assert.equal((await add(' Desk 1 ')).statusCode, 409);
      const id = json<ShopDesk>(two).id;
      assert.equal(
        (await call(admin, 'PATCH', `/api/shop-desks/${id}`, { name: 'Desk 1' })).statusCode,
        409,
      );
      const off = await call(admin, 'PATCH', `/api/shop-desks/${id}`, {
        name: 'Repairs bench',
        active: false,
      });
      assert.equal(off.statusCode, 200, off.body);
      assert.deepEqual(
        (await shop()).desks.map((d) => [d.name, d.active]),
        [
          ['Desk 1', true],
          ['Repairs bench', false],
        ],
      );
      assert.equal(
        (await call(shopAdvisor, 'POST', `/api/shops/${shopId}/desks`, { name: 'X' })).statusCode,
        403,
      );
    });

    test('services: one capital letter per active service, five-minute durations, offered per shop', async () => {
      const create = (payload: Record<string, unknown>) =>
        call(admin, 'POST', '/api/shop-services', payload);
      const repair = await create({
        code: 'device-repair',
        name: 'Device repair',
        ticketPrefix: 'R',
        durationMinutes: 30,
        bufferMinutes: 10,
        skills: ['repairs'],
      });
      assert.equal(repair.statusCode, 201, repair.body);
      const base = { code: 'other', name: 'Other', durationMinutes: 10, bufferMinutes: 0 };
      await refused(await create({ ...base, ticketPrefix: 'r' }), 'ticketPrefix', /capital letter/);
      await refused(await create({ ...base, ticketPrefix: 'R' }), 'ticketPrefix', /Device repair/);
      await refused(
        await create({ ...base, ticketPrefix: 'O', durationMinutes: 12 }),
        'durationMinutes',
        /steps of five/,
      );
      await refused(
        await create({ ...base, ticketPrefix: 'O', bufferMinutes: 3 }),
        'bufferMinutes',
        /steps of five/,
      );
      await refused(
        await create({ ...base, ticketPrefix: 'O', skills: ['Repairs!'] }),
        'skills[0]',
        /lower-case/,
      );
      await refused(
        await create({ ...base, ticketPrefix: 'O', bookable: false, walkIn: false }),
        'walkIn',
        /booked, taken on walk-in/,
      );
      assert.equal(
        (await create({ ...base, code: 'device-repair', ticketPrefix: 'O' })).statusCode,
        409,
      );
      const question = await create({
        ...base,
        ticketPrefix: 'G',
        code: 'general-question',
        bookable: false,
      });
      assert.equal(question.statusCode, 201, question.body);
      const repairId = json<ShopService>(repair).id;
      const questionId = json<ShopService>(question).id;
      // Switched off, the repair's letter is free for another service; switched back on, it clashes.
      const off = await call(admin, 'PATCH', `/api/shop-services/${repairId}`, { active: false });
      assert.equal(off.statusCode, 200, off.body);
      const newRepair = await create({ ...base, code: 'repair-2', ticketPrefix: 'R' });
      assert.equal(newRepair.statusCode, 201, newRepair.body);
      await refused(
        await call(admin, 'PATCH', `/api/shop-services/${repairId}`, { active: true }),
        'ticketPrefix',
        /already the letter/,
      );
      const offered = await call(admin, 'PUT', `/api/shops/${shopId}/services`, {
        serviceIds: [questionId, json<ShopService>(newRepair).id],
      });
      assert.equal(offered.statusCode, 200, offered.body);
      assert.equal(json<Shop>(offered).serviceIds.length, 2);
      await refused(
        await call(admin, 'PUT', `/api/shops/${shopId}/services`, { serviceIds: [repairId] }),
        'serviceIds[0]',
        /switched off/,
      );
      await refused(
        await call(admin, 'PUT', `/api/shops/${shopId}/services`, { serviceIds: [987654] }),
        'serviceIds[0]',
        /no such service/,
      );
      const here = json<{ items: ShopService[] }>(
        await call(shopAdvisor, 'GET', `/api/shop-services?shopId=${shopId}`),
      ).items;
      assert.deepEqual(here.map((s) => s.ticketPrefix).sort(), ['G', 'R']);
      assert.equal(
        json<{ items: ShopService[] }>(await call(advisor, 'GET', '/api/shop-services')).items
          .length,
        3,
      );
    });

    test('shifts: the shop’s own advisors, sensible times, nobody and no desk twice at once', async () => {
      const desks = (await shop()).desks;
      const desk = desks.find((d) => d.active)!;
      const benched = desks.find((d) => !d.active)!;
      const me = h.fixture.people.shopAdvisor.id;
      const add = (payload: Record<string, unknown>) =>
        call(admin, 'POST', `/api/shops/${shopId}/shifts`, payload);
      const monday = await add({
        advisorId: me,
        weekday: 1,
        starts: '09:00',
        ends: '17:00',
        deskId: desk.id,
      });
      assert.equal(monday.statusCode, 201, monday.body);
      assert.equal(json<ShopShift>(monday).advisorName, 'ShopAdvisor');
      await refused(
        await add({ advisorId: me, weekday: 1, starts: '16:00', ends: '19:00' }),
        'starts',
        /already works Monday 09:00–17:00 at Lyon/,
      );
      // Monday 30 November 2026: a dated shift on a weekday with a weekly one is a clash too.
      await refused(
        await add({ advisorId: me, date: '2026-11-30', starts: '08:00', ends: '10:00' }),
        'starts',
        /already works/,
      );
      const saturday = await add({
        advisorId: me,
        date: '2026-11-28',
        starts: '10:00',
        ends: '14:00',
      });
      assert.equal(saturday.statusCode, 201, saturday.body);
      await refused(
        await add({
          advisorId: h.fixture.people.advisor.id,
          weekday: 2,
          starts: '09:00',
          ends: '12:00',
        }),
        'advisorId',
        /neither works at this shop nor belongs to its team/,
      );
      await refused(
        await add({ advisorId: me, weekday: 2, starts: '12:00', ends: '09:00' }),
        'shift.ends',
        /after/,
      );
      await refused(
        await add({ advisorId: me, weekday: 2, starts: '06:00', ends: '19:00' }),
        'shift.ends',
        /twelve hours/,
      );
      await refused(
        await add({ advisorId: me, weekday: 2, starts: '09:03', ends: '12:00' }),
        'shift.starts',
        /5-minute step/,
      );
      await refused(
        await add({ advisorId: me, date: '2026-11-20', starts: '09:00', ends: '12:00' }),
        'date',
        /past/,
      );
      await refused(
        await add({
          advisorId: me,
          weekday: 2,
          date: '2026-12-01',
          starts: '09:00',
          ends: '12:00',
        }),
        'weekday',
        /not both/,
      );
      await refused(
        await add({
          advisorId: me,
          weekday: 2,
          starts: '09:00',
          ends: '12:00',
          deskId: benched.id,
        }),
        'deskId',
        /out of service/,
      );
      // Another shop: its desk is not this shop's, and this shop's advisor works elsewhere.
      const paris = await call(admin, 'POST', '/api/shops', {
        name: 'Paris',
        city: 'Paris',
        address: '1 rue de Rivoli',
        timeZone: 'Europe/Paris',
      });
      const parisId = json<Shop>(paris).id;
      const parisDesk = json<ShopDesk>(
        await call(admin, 'POST', `/api/shops/${parisId}/desks`, { name: 'Desk 1' }),
      );
      await refused(
        await add({
          advisorId: me,
          weekday: 2,
          starts: '09:00',
          ends: '12:00',
          deskId: parisDesk.id,
        }),
        'deskId',
        /no such desk in this shop/,
      );
      await refused(
        await call(admin, 'POST', `/api/shops/${parisId}/shifts`, {
          advisorId: me,
          weekday: 3,
          starts: '09:00',
          ends: '12:00',
        }),
        'advisorId',
        /works at Lyon/,
      );
      // Who reads the rota: the shop's own advisors and leads; not another shop's, not the call centre.
      const rota = await call(shopAdvisor, 'GET', `/api/shops/${shopId}/shifts`);
      assert.equal(rota.statusCode, 200, rota.body);
      assert.deepEqual(
        json<{ items: ShopShift[] }>(rota).items.map((s) => [s.weekday, s.date, s.starts]),
        [
          [1, null, '09:00'],
          [null, '2026-11-28', '10:00'],
        ],
      );
      assert.equal(
        (await call(shopAdvisor, 'GET', `/api/shops/${parisId}/shifts`)).statusCode,
        404,
      );
      assert.equal((await call(advisor, 'GET', `/api/shops/${shopId}/shifts`)).statusCode, 403);
      assert.equal((await call(supervisor, 'GET', `/api/shops/${parisId}/shifts`)).statusCode, 200);
      // Moved and removed.
      const id = json<ShopShift>(monday).id;
      const moved = await call(admin, 'PATCH', `/api/shop-shifts/${id}`, {
        starts: '10:00',
        ends: '18:00',
      });
      assert.equal(moved.statusCode, 200, moved.body);
      assert.equal(json<ShopShift>(moved).starts, '10:00');
      const dated = await call(admin, 'PATCH', `/api/shop-shifts/${id}`, { date: '2026-12-07' });
      assert.equal(dated.statusCode, 200, dated.body);
      assert.deepEqual(
        [json<ShopShift>(dated).weekday, json<ShopShift>(dated).date],
        [null, '2026-12-07'],
      );
      assert.equal((await call(admin, 'DELETE', `/api/shop-shifts/${id}`)).statusCode, 204);
      assert.equal((await call(admin, 'DELETE', `/api/shop-shifts/${id}`)).statusCode, 404);
      const events = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('type', 'like', 'shop.shift-%')
        .orderBy('id')
        .execute();
      assert.deepEqual(
        events.map((e) => e.type),
        [
          'shop.shift-added',
          'shop.shift-added',
          'shop.shift-updated',
          'shop.shift-updated',
          'shop.shift-removed',
        ],
      );
    });

    test("a member of the shop's team without a shop of their own may cover a shift", async () => {
      const lead = await h.ctx.writer.run((unit) =>
        createAdvisor(
          unit,
          {
            name: 'Shop lead',
            email: 'shop-lead@test.rapport',
            role: 'supervisor',
            teamId: h.fixture.teams.shopTeam,
            shopId: null,
            passwordHash: null,
          },
          systemActor,
        ),
      );
      const covered = await call(admin, 'POST', `/api/shops/${shopId}/shifts`, {
        advisorId: lead.id,
        weekday: 6,
        starts: '10:00',
        ends: '14:00',
      });
      assert.equal(covered.statusCode, 201, covered.body);
      const other = await h.ctx.writer.run((unit) =>
        createAdvisor(
          unit,
          {
            name: 'Care lead',
            email: 'care-lead@test.rapport',
            role: 'supervisor',
            teamId: h.fixture.teams.care,
            shopId: null,
            passwordHash: null,
          },
          systemActor,
        ),
      );
      await refused(
        await call(admin, 'POST', `/api/shops/${shopId}/shifts`, {
          advisorId: other.id,
          weekday: 6,
          starts: '10:00',
          ends: '14:00',
        }),
        'advisorId',
        /neither works at this shop nor belongs to its team/,
      );
    });

    test('racing administrators: one desk per name, one active service per letter', async () => {
      const desks = await Promise.all(
        Array.from({ length: 6 }, () =>
          call(admin, 'POST', `/api/shops/${shopId}/desks`, { name: 'Desk race' }),
        ),
      );
      assert.deepEqual(desks.map((r) => r.statusCode).sort(), [201, 409, 409, 409, 409, 409]);
      const services = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          call(admin, 'POST', '/api/shop-services', {
            code: `race-${i}`,
            name: `Race ${i}`,
            ticketPrefix: 'Q',
            durationMinutes: 15,
            bufferMinutes: 0,
          }),
        ),
      );
      const codes = services.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 201).length, 1, codes.join(' '));
      assert.ok(
        codes.every((c) => [201, 409, 422].includes(c)),
        codes.join(' '),
      );
      const letters = await h.ctx.store.db
        .selectFrom('shop_services')
        .select('id')
        .where('ticket_prefix', '=', 'Q')
        .execute();
      assert.equal(letters.length, 1);
      // The database itself refuses a second active Q; a switched-off one may share it.
      const row = (code: string, active: number) =>
        h.ctx.store.db
          .insertInto('shop_services')
          .values({
            code,
            name: code,
            ticket_prefix: 'Q',
            duration_minutes: 15,
            buffer_minutes: 0,
            skills: '[]',
            bookable: 1,
            walk_in: 1,
            active,
            created_at: h.clock.now(),
          })
          .execute();
      await assert.rejects(row('direct-active', 1), /unique|UNIQUE/);
      await row('direct-inactive', 0);
    });
  });
}
