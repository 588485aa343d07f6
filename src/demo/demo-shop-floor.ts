import type { Unit } from '../platform/db/writer.ts';

/**
 * The demo shops' floor: where each shop is, its week (a lunch break in Lyon and Tokyo), the
 * holidays of the year's end (month-day, taken for this year and the next), its counters, the service catalogue and who works when. Times are local to
 * each shop; the service letters are the walk-in tickets' prefixes.
 */
export const demoShopFloor = [
  {
    postcode: '69003',
    latitude: 45.7606,
    longitude: 4.8593,
    week: [1, 2, 3, 4, 5].flatMap((weekday) => [
      { weekday, opens: '10:00', closes: '13:00' },
      { weekday, opens: '14:00', closes: '19:00' },
    ]),
    saturday: { opens: '10:00', closes: '18:00' },
    exceptions: [
      {
        date: '12-24',
        opens: '10:00',
        closes: '16:00',
        reason: 'Christmas Eve: closing early',
      },
      { date: '12-25', opens: null, closes: null, reason: 'Christmas Day' },
      { date: '01-01', opens: null, closes: null, reason: "New Year's Day" },
    ],
    desks: ['Desk 1', 'Desk 2', 'Desk 3'],
  },
  {
    postcode: '10010',
    latitude: 40.7411,
    longitude: -73.9897,
    week: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: '09:00', closes: '20:00' })),
    saturday: { opens: '10:00', closes: '18:00' },
    exceptions: [
      {
        date: '12-24',
        opens: '09:00',
        closes: '15:00',
        reason: 'Christmas Eve: closing early',
      },
      { date: '12-25', opens: null, closes: null, reason: 'Christmas Day' },
      { date: '01-01', opens: null, closes: null, reason: "New Year's Day" },
    ],
    desks: ['Desk 1', 'Desk 2', 'Desk 3', 'Desk 4'],
  },
  {
    postcode: '150-0002',
    latitude: 35.6595,
    longitude: 139.7005,
    week: [1, 2, 3, 4, 5].flatMap((weekday) => [
      { weekday, opens: '10:00', closes: '12:30' },
      { weekday, opens: '13:30', closes: '20:00' },
    ]),
    saturday: { opens: '11:00', closes: '19:00' },
    exceptions: [
      { date: '12-31', opens: null, closes: null, reason: 'Ōmisoka' },
      { date: '01-01', opens: null, closes: null, reason: 'Shōgatsu' },
    ],
    desks: ['Counter A', 'Counter B'],
  },
] as const;

export const demoServices = [
  {
    code: 'device-repair',
    name: 'Device repair',
    prefix: 'R',
    duration: 30,
    buffer: 10,
    skills: ['repairs'],
    bookable: true,
    walkIn: true,
  },
  {
    code: 'contract-change',
    name: 'Contract change',
    prefix: 'C',
    duration: 20,
    buffer: 5,
    skills: ['sales'],
    bookable: true,
    walkIn: true,
  },
  {
    code: 'new-line',
    name: 'New line',
    prefix: 'N',
    duration: 30,
    buffer: 5,
    skills: ['sales'],
    bookable: true,
    walkIn: true,
  },
  {
    code: 'general-question',
    name: 'General question',
    prefix: 'G',
    duration: 10,
    buffer: 0,
    skills: [],
    bookable: false,
    walkIn: true,
  },
] as const;

/** Loads the shops' floor for the demo shops (in `shopIds` order) and their advisors' shifts. */
export async function loadDemoShopFloor(
  unit: Unit,
  shopIds: readonly number[],
  shopAdvisors: ReadonlyArray<{ readonly advisorId: number; readonly shopIndex: number }>,
  today: number,
): Promise<void> {
  const year = new Date(today).getUTCFullYear();
  const serviceIds: number[] = [];
  for (const s of demoServices) {
    const row = await unit.db
      .insertInto('shop_services')
      .values({
        code: s.code,
        name: s.name,
        ticket_prefix: s.prefix,
        duration_minutes: s.duration,
        buffer_minutes: s.buffer,
        skills: JSON.stringify(s.skills),
        bookable: s.bookable ? 1 : 0,
        walk_in: s.walkIn ? 1 : 0,
        created_at: unit.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    serviceIds.push(row.id);
  }
  for (const [i, floor] of demoShopFloor.entries()) {
    const shopId = shopIds[i]!;
    await unit.db
      .updateTable('shops')
      .set({ postcode: floor.postcode, latitude: floor.latitude, longitude: floor.longitude })
      .where('id', '=', shopId)
      .execute();
    await unit.db
      .insertInto('shop_hours')
      .values([
        ...floor.week.map((h) => ({ shop_id: shopId, ...h })),
        { shop_id: shopId, weekday: 6, ...floor.saturday },
      ])
      .execute();
    await unit.db
      .insertInto('shop_exceptions')
      .values(
        [year, year + 1].flatMap((y) =>
          floor.exceptions.map((e) => ({ shop_id: shopId, ...e, date: `${y}-${e.date}` })),
        ),
      )
      .execute();
    const deskIds: number[] = [];
    for (const name of floor.desks) {
      const row = await unit.db
        .insertInto('shop_desks')
        .values({ shop_id: shopId, name, created_at: unit.now })
        .returning('id')
        .executeTakeFirstOrThrow();
      deskIds.push(row.id);
    }
    await unit.db
      .insertInto('shop_offered_services')
      .values(serviceIds.map((serviceId) => ({ shop_id: shopId, service_id: serviceId })))
      .execute();
    // Each of the shop's advisors works its whole week at a desk of their own.
    const here = shopAdvisors.filter((a) => a.shopIndex === i);
    for (const [n, advisor] of here.entries()) {
      const days = [...floor.week, { weekday: 6, ...floor.saturday }];
      const byDay = new Map<number, { opens: string; closes: string }>();
      for (const d of days) {
        const seen = byDay.get(d.weekday);
        byDay.set(d.weekday, {
          opens: seen && seen.opens < d.opens ? seen.opens : d.opens,
          closes: seen && seen.closes > d.closes ? seen.closes : d.closes,
        });
      }
      await unit.db
        .insertInto('shop_shifts')
        .values(
          [...byDay].map(([weekday, t]) => ({
            shop_id: shopId,
            advisor_id: advisor.advisorId,
            weekday,
            date: null,
            starts: t.opens,
            ends: t.closes,
            desk_id: deskIds[n % deskIds.length]!,
          })),
        )
        .execute();
    }
  }
}
