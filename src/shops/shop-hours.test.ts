import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { checkWeeklyHours, isOpenAt, type WeeklyHours } from './shop-hours.ts';

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
          { weekday: 2, opens: '09:00', closes: '12:00' },
          { weekday: 2, opens: '14:00', closes: '18:00' },
        ]),
      /appears twice/,
    );
    assert.throws(
      () => checkWeeklyHours([{ weekday: 8 as 1, opens: '09:00', closes: '12:00' }]),
      /weekday/,
    );
  });
});
