import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import {
  checkException,
  checkWeeklyHours,
  isOpenAt,
  openingsOn,
  timeZoneNames,
  type WeeklyHours,
} from './shop-hours.ts';

const paris = 'Europe/Paris';
const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' }).toMillis();
const weekdays: WeeklyHours = [1, 2, 3, 4, 5].map((weekday) => ({
  weekday: weekday as 1,
  opens: '09:00',
  closes: '18:00',
}));

describe('shop hours', () => {
  test('a shop is open on its own wall clock, not on UTC', () => {
    // Monday 13 January 2025, 08:30 UTC is 09:30 in Paris (UTC+1): open.
    assert.equal(isOpenAt(paris, weekdays, at('2025-01-13T08:30:00')), true);
    // 07:30 UTC is 08:30 in Paris: not yet open, although it is "after 07:00" in UTC.
    assert.equal(isOpenAt(paris, weekdays, at('2025-01-13T07:30:00')), false);
    // 17:30 UTC is 18:30 in Paris: closed (closing time is excluded).
    assert.equal(isOpenAt(paris, weekdays, at('2025-01-13T17:00:00')), false);
    // Saturday: no opening that day.
    assert.equal(isOpenAt(paris, weekdays, at('2025-01-18T10:00:00')), false);
    // The same instant is Monday evening in Tokyo's shop: closed there.
    assert.equal(isOpenAt('Asia/Tokyo', weekdays, at('2025-01-13T10:00:00')), false);
  });

  test('across the spring DST change the opening follows local time', () => {
    // Friday 28 March 2025 (UTC+1): 07:30 UTC is 08:30 local, closed.
    assert.equal(isOpenAt(paris, weekdays, at('2025-03-28T07:30:00')), false);
    // Monday 31 March 2025 (UTC+2 after the change): the same 07:30 UTC is 09:30 local, open.
    assert.equal(isOpenAt(paris, weekdays, at('2025-03-31T07:30:00')), true);
    // On the night of the change 02:00-03:00 does not exist: a shop opening at 02:30 is open at 03:00 CEST.
    const sunday: WeeklyHours = [{ weekday: 7, opens: '02:30', closes: '04:00' }];
    assert.equal(isOpenAt(paris, sunday, at('2025-03-30T00:59:00')), false); // 01:59 CET
    assert.equal(isOpenAt(paris, sunday, at('2025-03-30T01:00:00')), true); // 03:00 CEST
    assert.equal(isOpenAt(paris, sunday, at('2025-03-30T02:00:00')), false); // 04:00 CEST
  });

  test('autumn DST: the repeated hour is open both times', () => {
    const sunday: WeeklyHours = [{ weekday: 7, opens: '02:00', closes: '03:00' }];
    // 26 October 2025: 02:30 local happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    assert.equal(isOpenAt(paris, sunday, at('2025-10-26T00:30:00')), true);
    assert.equal(isOpenAt(paris, sunday, at('2025-10-26T01:30:00')), true);
    assert.equal(isOpenAt(paris, sunday, at('2025-10-26T02:30:00')), false);
  });

  test('a week is checked: real times, opening before closing, each day once', () => {
    assert.deepEqual(
      checkWeeklyHours([
        { weekday: 6, opens: '10:00', closes: '24:00' },
        { weekday: 1, opens: '09:00', closes: '12:00' },
      ]).map((d) => d.weekday),
      [1, 6],
    );
    assert.throws(
      () => checkWeeklyHours([{ weekday: 1, opens: '18:00', closes: '09:00' }]),
      /hours\[0\]\.closes: must be after the opening/,
    );
    assert.throws(
      () => checkWeeklyHours([{ weekday: 1, opens: '9:00', closes: '18:00' }]),
      /hours\[0\]\.opens/,
    );
    assert.throws(
      () =>
        checkWeeklyHours([
          { weekday: 2, opens: '09:00', closes: '12:30' },
          { weekday: 2, opens: '12:00', closes: '18:00' },
        ]),
      /hours\[1\]\.opens: overlaps another opening of Tuesday/,
    );
    assert.throws(
      () => checkWeeklyHours([{ weekday: 2, opens: '09:07', closes: '12:00' }], 'hours', 5),
      /hours\[0\]\.opens: must be on a 5-minute step/,
    );
    assert.throws(
      () => checkWeeklyHours([{ weekday: 8 as 1, opens: '09:00', closes: '12:00' }]),
      /weekday/,
    );
  });

  test('a day may have several openings: a lunch break closes the shop between them', () => {
    const lunch = checkWeeklyHours([
      { weekday: 1, opens: '14:00', closes: '19:00' },
      { weekday: 1, opens: '10:00', closes: '13:00' },
    ]);
    assert.deepEqual(
      lunch.map((d) => d.opens),
      ['10:00', '14:00'],
    );
    // Monday 12 January 2026 in Paris (UTC+1).
    assert.equal(isOpenAt(paris, lunch, at('2026-01-12T11:30:00')), true); // 12:30
    assert.equal(isOpenAt(paris, lunch, at('2026-01-12T12:30:00')), false); // 13:30, lunch
    assert.equal(isOpenAt(paris, lunch, at('2026-01-12T13:00:00')), true); // 14:00
    assert.equal(isOpenAt(paris, lunch, at('2026-01-12T18:00:00')), false); // 19:00
  });

  test('an exception replaces the day: closed all day, or special hours only', () => {
    // Thursday 24 and Friday 25 December 2026, Paris (UTC+1).
    const exceptions = [
      { date: '2026-12-24', opens: '10:00', closes: '16:00' },
      { date: '2026-12-25', opens: null, closes: null },
    ];
    assert.equal(isOpenAt(paris, weekdays, at('2026-12-24T16:00:00'), exceptions), false); // 17:00
    assert.equal(isOpenAt(paris, weekdays, at('2026-12-24T16:00:00')), true); // without it: open
    assert.equal(isOpenAt(paris, weekdays, at('2026-12-24T09:30:00'), exceptions), true); // 10:30
    assert.equal(isOpenAt(paris, weekdays, at('2026-12-24T08:30:00'), exceptions), false); // 09:30
    assert.equal(isOpenAt(paris, weekdays, at('2026-12-25T10:00:00'), exceptions), false);
    // A special opening on a Sunday opens a day the week keeps closed.
    const sunday = [{ date: '2026-12-20', opens: '11:00', closes: '17:00' }];
    assert.equal(isOpenAt(paris, weekdays, at('2026-12-20T12:00:00'), sunday), true);
    assert.deepEqual(openingsOn('2026-12-21', weekdays, sunday), [{ opens: 540, closes: 1080 }]);
    // The date is the shop's own: 00:30 UTC on the 25th is 09:30 on Christmas Day in Tokyo.
    const early: WeeklyHours = [5].map(() => ({ weekday: 5, opens: '09:00', closes: '18:00' }));
    assert.equal(isOpenAt('Asia/Tokyo', early, at('2026-12-25T00:30:00')), true);
    assert.equal(isOpenAt('Asia/Tokyo', early, at('2026-12-25T00:30:00'), exceptions), false);
    assert.deepEqual(openingsOn('2026-12-25', weekdays, exceptions), []);
  });

  test('exceptions are checked: real dates, both times or none, no clash on the same day', () => {
    checkException({ date: '2028-02-29', opens: null, closes: null }, []);
    assert.throws(
      () => checkException({ date: '2027-02-29', opens: null, closes: null }, []),
      /exception\.date: must be a real date/,
    );
    assert.throws(
      () => checkException({ date: '2027-13-01', opens: null, closes: null }, []),
      /exception\.date/,
    );
    assert.throws(
      () => checkException({ date: '2027-05-01', opens: '10:00', closes: null }, []),
      /exception\.closes: give both times/,
    );
    assert.throws(
      () => checkException({ date: '2027-05-01', opens: '16:00', closes: '10:00' }, []),
      /exception\.closes: must be after the opening/,
    );
    const morning = { date: '2027-05-01', opens: '09:00', closes: '12:00' };
    checkException({ date: '2027-05-01', opens: '14:00', closes: '17:00' }, [morning]);
    assert.throws(
      () => checkException({ date: '2027-05-01', opens: '11:00', closes: '13:00' }, [morning]),
      /exception\.opens: overlaps the special opening 09:00–12:00/,
    );
    assert.throws(
      () => checkException({ date: '2027-05-01', opens: null, closes: null }, [morning]),
      /special hours: remove them/,
    );
    assert.throws(
      () =>
        checkException({ date: '2027-05-01', opens: '09:00', closes: '12:00' }, [
          { date: '2027-05-01', opens: null, closes: null },
        ]),
      /closed all that day/,
    );
  });

  test('the time-zone list holds IANA names only, sorted', () => {
    const zones = timeZoneNames();
    assert.ok(zones.includes('Europe/Paris') && zones.includes('America/New_York'));
    assert.ok(zones.includes('UTC'));
    assert.ok(!zones.includes('Europe/Atlantis'));
    assert.deepEqual(zones, [...zones].sort());
    assert.ok(zones.length > 300, `only ${zones.length} zones`);
  });
});
