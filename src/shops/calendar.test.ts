import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import {
  describeLocal,
  instantOf,
  openingsOn,
  periodOf,
  shiftsOn,
  type WeeklyPeriod,
} from './calendar.ts';

const madrid = 'Europe/Madrid';
const newYork = 'America/New_York';
const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' }).toMillis();
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);
const everyDay = (opens: string, closes: string): WeeklyPeriod[] =>
  [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens, closes }));

describe('a shop calendar across daylight-saving changes', () => {
  test('09:00 stays 09:00 in Madrid before, on and after the spring change (29 March 2026)', () => {
    const week = everyDay('09:00', '14:00');
    assert.deepEqual(
      openingsOn('2026-03-28', madrid, week, []).map((i) => [iso(i.start), iso(i.end)]),
      [['2026-03-28T08:00', '2026-03-28T13:00']],
    );
    assert.deepEqual(
      openingsOn('2026-03-29', madrid, week, []).map((i) => [iso(i.start), iso(i.end)]),
      [['2026-03-29T07:00', '2026-03-29T12:00']],
    );
    assert.deepEqual(
      openingsOn('2026-03-30', madrid, week, []).map((i) => [iso(i.start), iso(i.end)]),
      [['2026-03-30T07:00', '2026-03-30T12:00']],
    );
  });

  test('09:00 stays 09:00 in Madrid on the autumn change (25 October 2026)', () => {
    const week = everyDay('09:00', '19:00');
    const [sat] = openingsOn('2026-10-24', madrid, week, []);
    const [sun] = openingsOn('2026-10-25', madrid, week, []);
    assert.equal(iso(sat!.start), '2026-10-24T07:00');
    assert.equal(iso(sun!.start), '2026-10-25T08:00');
    assert.equal(sun!.end - sun!.start, 10 * 3_600_000);
  });

  test('09:00 stays 09:00 in New York on both changes (8 March and 1 November 2026)', () => {
    const week = everyDay('09:00', '20:00');
    const start = (date: string) => iso(openingsOn(date, newYork, week, [])[0]!.start);
    assert.equal(start('2026-03-07'), '2026-03-07T14:00');
    assert.equal(start('2026-03-08'), '2026-03-08T13:00');
    assert.equal(start('2026-10-31'), '2026-10-31T13:00');
    assert.equal(start('2026-11-01'), '2026-11-01T14:00');
  });

  test('a night shift over the skipped hour lasts an hour less, over the repeated hour one more', () => {
    const shift = {
      advisorId: 7,
      weekday: 7,
      date: null,
      starts: '00:00',
      ends: '06:00',
      deskId: 1,
    };
    const [spring] = shiftsOn('2026-03-29', madrid, [shift]);
    assert.equal(spring!.end - spring!.start, 5 * 3_600_000);
    const [autumn] = shiftsOn('2026-11-01', newYork, [shift]);
    assert.equal(autumn!.end - autumn!.start, 7 * 3_600_000);
    assert.equal(spring!.advisorId, 7);
    assert.equal(spring!.deskId, 1);
  });

  test('a wall time in the skipped hour reads as the end of the gap; a period inside it is empty', () => {
    // 02:30 does not exist in Madrid on 29 March 2026: the clocks go from 02:00 to 03:00 (01:00 UTC).
    assert.equal(iso(instantOf('2026-03-29', 150, madrid)), '2026-03-29T01:00');
    assert.equal(iso(periodOf('2026-03-29', '02:30', '05:00', madrid)!.start), '2026-03-29T01:00');
    assert.equal(periodOf('2026-03-29', '02:10', '02:50', madrid), null);
    assert.equal(iso(instantOf('2026-03-08', 150, newYork)), '2026-03-08T07:00');
  });

  test('a wall time in the repeated hour reads as its first occurrence', () => {
    // 01:30 happens twice in New York on 1 November 2026: first at 05:30 UTC (EDT).
    assert.equal(iso(instantOf('2026-11-01', 90, newYork)), '2026-11-01T05:30');
    assert.equal(iso(instantOf('2026-10-25', 150, madrid)), '2026-10-25T00:30');
  });

  test('several openings a day, a closed day and a day with replaced hours', () => {
    const week: WeeklyPeriod[] = [
      { weekday: 1, opens: '10:00', closes: '13:00' },
      { weekday: 1, opens: '14:00', closes: '19:00' },
    ];
    assert.equal(openingsOn('2026-12-07', madrid, week, []).length, 2);
    assert.deepEqual(
      openingsOn('2026-12-07', madrid, week, [{ date: '2026-12-07', opens: null, closes: null }]),
      [],
    );
    const replaced = openingsOn('2026-12-07', madrid, week, [
      { date: '2026-12-07', opens: '09:00', closes: '12:00' },
      { date: '2026-12-08', opens: null, closes: null },
    ]);
    assert.deepEqual(
      replaced.map((i) => [iso(i.start), iso(i.end)]),
      [['2026-12-07T08:00', '2026-12-07T11:00']],
    );
    // Tuesday has no weekly hours.
    assert.deepEqual(openingsOn('2026-12-08', madrid, week, []), []);
  });

  test('an opening until 24:00 ends at the next local midnight', () => {
    const [open] = openingsOn('2026-03-28', madrid, everyDay('20:00', '24:00'), []);
    assert.equal(iso(open!.end), '2026-03-28T23:00');
  });

  test('dated shifts add to the weekly ones; overlapping ones merge', () => {
    const shifts = [
      { advisorId: 1, weekday: 1, date: null, starts: '09:00', ends: '13:00', deskId: null },
      {
        advisorId: 1,
        weekday: null,
        date: '2026-12-07',
        starts: '12:00',
        ends: '15:00',
        deskId: null,
      },
      {
        advisorId: 2,
        weekday: null,
        date: '2026-12-08',
        starts: '09:00',
        ends: '10:00',
        deskId: null,
      },
    ];
    const monday = shiftsOn('2026-12-07', madrid, shifts);
    assert.deepEqual(
      monday.map((s) => [s.advisorId, iso(s.start), iso(s.end)]),
      [[1, '2026-12-07T08:00', '2026-12-07T14:00']],
    );
    assert.equal(shiftsOn('2026-12-14', madrid, shifts)[0]!.end, utc('2026-12-14T12:00'));
  });

  test('times are described in the shop zone, naming it', () => {
    assert.equal(
      describeLocal(utc('2026-03-30T07:00'), madrid),
      'Mon 30 Mar 2026, 09:00 (Europe/Madrid, CEST)',
    );
    assert.equal(
      describeLocal(utc('2026-11-02T14:00'), 'America/New_York'),
      'Mon 2 Nov 2026, 09:00 (America/New_York, EST)',
    );
    assert.match(
      describeLocal(utc('2026-11-02T14:00'), 'Asia/Tokyo'),
      /\(Asia\/Tokyo, (GMT\+9|JST)\)$/,
    );
  });
});
