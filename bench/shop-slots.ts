/**
 * Free appointment slots for 120 shops × 30 days × 4 services (the target: under 200 ms).
 * Each shop: a time zone among five (two with a DST change inside the 30 days), a week with a lunch
 * break, two exceptions, 4 desks, 6 advisors on weekly shifts with mixed skills, a day of bookings
 * in every three (claimed cells) and a few reservations. Times the pure computation (`planDays` +
 * `openSlots`) over data already read, which is what a booking page or a bench of shops asks for.
 * Run: npx tsx bench/shop-slots.ts
 */
import { performance } from 'node:perf_hooks';
import {
  busyFrom,
  cellMs,
  openSlots,
  planDays,
  type ShopCalendar,
  type SlotService,
} from '../src/shops/slots.ts';
import { datesBetween, openingsOn } from '../src/shops/calendar.ts';

const SHOPS = 120;
const DAYS = 30;
const zones = [
  'Europe/Madrid',
  'America/New_York',
  'Asia/Tokyo',
  'Europe/Paris',
  'Australia/Sydney',
];
// 30 days spanning the autumn change in Europe and New York.
const dates = datesBetween('2026-10-15', '2026-11-13');
if (dates.length !== DAYS) throw new Error('expected 30 dates');

const services: SlotService[] = [
  { id: 1, durationMinutes: 30, bufferMinutes: 10, skills: ['repairs'] },
  { id: 2, durationMinutes: 20, bufferMinutes: 5, skills: ['sales'] },
  { id: 3, durationMinutes: 30, bufferMinutes: 5, skills: ['sales'] },
  { id: 4, durationMinutes: 10, bufferMinutes: 0, skills: [] },
];

let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;

function makeShop(i: number): ShopCalendar {
  const timeZone = zones[i % zones.length]!;
  const week = [1, 2, 3, 4, 5].flatMap((weekday) => [
    { weekday, opens: '09:00', closes: '13:00' },
    { weekday, opens: '14:00', closes: '19:00' },
  ]);
  week.push({ weekday: 6, opens: '10:00', closes: '18:00' });
  const deskIds = [1, 2, 3, 4].map((d) => i * 10 + d);
  const skillSets = [['repairs'], ['sales'], ['repairs', 'sales'], ['sales'], ['repairs'], []];
  const advisors = skillSets.map((_, n) => i * 10 + n + 1);
  const shifts = advisors.flatMap((advisorId, n) =>
    [1, 2, 3, 4, 5, 6].map((weekday) => ({
      advisorId,
      weekday,
      date: null,
      starts: n % 2 === 0 ? '09:00' : '12:00',
      ends: n % 2 === 0 ? '15:00' : '19:00',
      deskId: n < 4 ? deskIds[n]! : null,
    })),
  );
  const calendar = {
    shopId: i + 1,
    timeZone,
    week,
    exceptions: [
      { date: '2026-11-01', opens: null, closes: null },
      { date: '2026-11-11', opens: '10:00', closes: '16:00' },
    ],
    deskIds,
    shifts,
    skills: new Map(advisors.map((id, n) => [id, skillSets[n]!])),
    busy: new Map(),
  };
  // Bookings: on every third day, a third of the cells of each desk's opening hours are claimed.
  const cells: Array<{ resource: string; cellAt: number }> = [];
  for (const [d, date] of dates.entries()) {
    if (d % 3 !== 0) continue;
    for (const opening of openingsOn(date, timeZone, week, calendar.exceptions))
      for (let at = opening.start; at < opening.end; at += 6 * cellMs)
        if (random() < 0.33) {
          const n = Math.floor(random() * 4);
          for (let c = 0; c < 6; c++) {
            cells.push({ resource: `desk:${deskIds[n]!}`, cellAt: at + c * cellMs });
            cells.push({ resource: `advisor:${advisors[n]!}`, cellAt: at + c * cellMs });
          }
        }
  }
  const start = Date.parse('2026-10-15T00:00:00Z');
  const reservations = Array.from({ length: 20 }, () => {
    const at = start + Math.floor(random() * DAYS * 24) * 3_600_000;
    return {
      advisorId: advisors[Math.floor(random() * 6)]!,
      deskId: null,
      start: at,
      end: at + 45 * 60_000,
    };
  });
  return { ...calendar, busy: busyFrom(cells, reservations) };
}

const shops = Array.from({ length: SHOPS }, (_, i) => makeShop(i));
const now = Date.parse('2026-10-14T12:00:00Z');

/** One pass; `ms` is wall time, `cpuMs` this process's CPU time (less hurt by a busy machine). */
function run(): { slots: number; ms: number; cpuMs: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let slots = 0;
  for (const shop of shops) {
    const days = planDays(shop, dates);
    for (const service of services) slots += openSlots(shop, days, service, { now }).length;
  }
  const cpu = process.cpuUsage(cpu0);
  return { slots, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

// The first run pays for the zones' offset caches and the JIT; the figure is the median of 11.
const first = run();
const runs = Array.from({ length: 11 }, run).sort((a, b) => a.ms - b.ms);
const median = runs[5]!;
console.log(
  `free slots, ${SHOPS} shops × ${DAYS} days × ${services.length} services: ${median.slots} slots`,
);
const cpu = runs.map((r) => r.cpuMs).sort((a, b) => a - b);
console.log(
  `  first (cold) run ${first.ms.toFixed(1)} ms wall, ${first.cpuMs.toFixed(1)} ms CPU; warm runs: median ${median.ms.toFixed(1)} ms wall (best ${runs[0]!.ms.toFixed(1)}, worst ${runs[10]!.ms.toFixed(1)}), median ${cpu[5]!.toFixed(1)} ms CPU`,
);
const target = 200;
console.log(
  `  target: the warm median under ${target} ms: ${median.ms < target ? 'met' : 'NOT met'}`,
);
