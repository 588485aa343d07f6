import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  busyFrom,
  cellsOf,
  openSlots,
  planDays,
  type ShopCalendar,
  type SlotService,
} from './slots.ts';

const repair: SlotService = { id: 1, durationMinutes: 30, bufferMinutes: 10, skills: ['repairs'] };
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);

function shop(overrides: Partial<ShopCalendar> = {}): ShopCalendar {
  return {
    shopId: 1,
    timeZone: 'America/New_York',
    week: [7].map((weekday) => ({ weekday, opens: '09:00', closes: '11:00' })),
    exceptions: [],
    deskIds: [10],
    shifts: [
      { advisorId: 5, weekday: 7, date: null, starts: '09:00', ends: '11:00', deskId: null },
    ],
    skills: new Map([[5, ['repairs', 'sales']]]),
    busy: new Map(),
    ...overrides,
  };
}

const startsOf = (calendar: ShopCalendar, date: string, service = repair) =>
  openSlots(calendar, planDays(calendar, [date]), service, { now: 0 }).map((s) => iso(s.startsAt));

describe('free slots', () => {
  test('on both New York change days the first slot is 09:00 local', () => {
    assert.equal(startsOf(shop(), '2026-03-08')[0], '2026-03-08T13:00');
    assert.equal(startsOf(shop(), '2026-11-01')[0], '2026-11-01T14:00');
    assert.equal(startsOf(shop(), '2026-03-01')[0], '2026-03-01T14:00');
  });

  test('Madrid on its change days: the same wall-clock grid', () => {
    const madrid = shop({ timeZone: 'Europe/Madrid' });
    assert.deepEqual(startsOf(madrid, '2026-03-29').slice(0, 2), [
      '2026-03-29T07:00',
      '2026-03-29T07:15',
    ]);
    assert.deepEqual(startsOf(madrid, '2026-10-25').slice(0, 2), [
      '2026-10-25T08:00',
      '2026-10-25T08:15',
    ]);
  });

  test('the held span (duration and buffer) must fit the opening and the shift', () => {
    // 09:00 to 11:00 with 40 minutes held: 10:15 is the last start on the 15-minute grid.
    const starts = startsOf(shop(), '2026-12-06');
    assert.equal(starts.length, 6);
    assert.equal(starts.at(-1), '2026-12-06T15:15');
    const short = shop({
      shifts: [
        { advisorId: 5, weekday: 7, date: null, starts: '09:00', ends: '10:00', deskId: null },
      ],
    });
    assert.deepEqual(startsOf(short, '2026-12-06'), ['2026-12-06T14:00', '2026-12-06T14:15']);
  });

  test('an advisor without the skills, or no desk free, gives no slot', () => {
    assert.deepEqual(startsOf(shop({ skills: new Map([[5, ['sales']]]) }), '2026-12-06'), []);
    assert.deepEqual(startsOf(shop({ deskIds: [] }), '2026-12-06'), []);
    // A shift bound to an inactive desk serves nobody.
    const bound = shop({
      shifts: [
        { advisorId: 5, weekday: 7, date: null, starts: '09:00', ends: '11:00', deskId: 99 },
      ],
    });
    assert.deepEqual(startsOf(bound, '2026-12-06'), []);
  });

  test('claimed cells and reservations (a walk-in served, a repair, staff time) hold capacity', () => {
    const at = Date.parse('2026-12-06T14:00:00Z');
    const claimed = shop({
      busy: busyFrom(
        cellsOf(at, at + 40 * 60_000).map((cellAt) => ({ resource: 'desk:10', cellAt })),
        [],
      ),
    });
    assert.equal(startsOf(claimed, '2026-12-06')[0], '2026-12-06T14:45');
    const reserved = shop({
      busy: busyFrom(
        [],
        [{ advisorId: 5, deskId: null, start: at + 30 * 60_000, end: at + 60 * 60_000 }],
      ),
    });
    // Held 14:00–14:40 would overlap the reservation from 14:30: the first start is 15:00.
    assert.equal(startsOf(reserved, '2026-12-06')[0], '2026-12-06T15:00');
    // A second advisor at a second desk keeps the slot open.
    const two = shop({
      deskIds: [10, 11],
      shifts: [
        { advisorId: 5, weekday: 7, date: null, starts: '09:00', ends: '11:00', deskId: null },
        { advisorId: 6, weekday: 7, date: null, starts: '09:00', ends: '11:00', deskId: null },
      ],
      skills: new Map([
        [5, ['repairs']],
        [6, ['repairs']],
      ]),
      busy: busyFrom(
        cellsOf(at, at + 40 * 60_000).flatMap((cellAt) => [
          { resource: 'desk:10', cellAt },
          { resource: 'advisor:5', cellAt },
        ]),
        [],
      ),
    });
    const [first] = openSlots(two, planDays(two, ['2026-12-06']), repair, { now: 0 });
    assert.equal(iso(first!.startsAt), '2026-12-06T14:00');
    assert.equal(first!.advisorId, 6);
    assert.equal(first!.deskId, 11);
  });

  test('slots before now are not offered', () => {
    const now = Date.parse('2026-12-06T14:20:00Z');
    const calendar = shop();
    const starts = openSlots(calendar, planDays(calendar, ['2026-12-06']), repair, { now }).map(
      (s) => iso(s.startsAt),
    );
    assert.equal(starts[0], '2026-12-06T14:30');
  });
});
