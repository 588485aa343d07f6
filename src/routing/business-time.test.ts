import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import fc from 'fast-check';
import type { DayHours, Weekday } from '../api-types/shops.ts';
import {
  addBusinessSeconds,
  businessSecondsBetween,
  type BusinessCalendar,
} from './business-time.ts';

const HOUR = 3600;
const weekdays = (opens: string, closes: string, days: Weekday[] = [1, 2, 3, 4, 5]): DayHours[] =>
  days.map((weekday) => ({ weekday, opens, closes }));
const office = (timeZone = 'Europe/Paris', holidays: string[] = []): BusinessCalendar => ({
  timeZone,
  hours: weekdays('09:00', '17:00'),
  holidays,
});
/** An instant written as local time in a zone. */
const at = (local: string, zone = 'Europe/Paris') => DateTime.fromISO(local, { zone }).toMillis();
const local = (ms: number, zone = 'Europe/Paris') =>
  DateTime.fromMillis(ms, { zone }).toFormat("ccc yyyy-MM-dd'T'HH:mm");

describe('adding business time', () => {
  test('an email at Friday 17:00 with 8 business hours to go is due Monday 17:00', () => {
    // 2026-12-04 is a Friday.
    const due = addBusinessSeconds(at('2026-12-04T17:00'), 8 * HOUR, office());
    assert.equal(local(due), 'Mon 2026-12-07T17:00');
  });

  test('a holiday Monday pushes it to Tuesday 17:00', () => {
    const due = addBusinessSeconds(
      at('2026-12-04T17:00'),
      8 * HOUR,
      office('Europe/Paris', ['2026-12-07']),
    );
    assert.equal(local(due), 'Tue 2026-12-08T17:00');
  });

  test('within a working day the clock runs as the wall clock does', () => {
    assert.equal(
      local(addBusinessSeconds(at('2026-12-02T10:15'), 2 * HOUR, office())),
      'Wed 2026-12-02T12:15',
    );
  });

  test('what is left at closing carries over to the next opening', () => {
    // Thursday 15:00 + 4 h: two today, two from Friday 09:00.
    assert.equal(
      local(addBusinessSeconds(at('2026-12-03T15:00'), 4 * HOUR, office())),
      'Fri 2026-12-04T11:00',
    );
  });

  test('arriving at night the clock starts at the next opening', () => {
    assert.equal(
      local(addBusinessSeconds(at('2026-12-02T03:00'), 1 * HOUR, office())),
      'Wed 2026-12-02T10:00',
    );
  });

  test('a lunch break does not count', () => {
    const calendar: BusinessCalendar = {
      timeZone: 'Europe/Paris',
      hours: [...weekdays('09:00', '12:00'), ...weekdays('13:00', '17:00')],
      holidays: [],
    };
    assert.equal(
      local(addBusinessSeconds(at('2026-12-02T11:00'), 2 * HOUR, calendar)),
      'Wed 2026-12-02T14:00',
    );
  });

  test('the same local hours fall on other UTC instants in another zone', () => {
    const tokyo = office('Asia/Tokyo');
    const due = addBusinessSeconds(at('2026-12-04T17:00', 'Asia/Tokyo'), 8 * HOUR, tokyo);
    assert.equal(local(due, 'Asia/Tokyo'), 'Mon 2026-12-07T17:00');
    assert.equal(new Date(due).toISOString(), '2026-12-07T08:00:00.000Z');
  });

  test('a calendar without hours counts every second (24 × 7)', () => {
    const start = at('2026-12-04T17:00');
    assert.equal(
      addBusinessSeconds(start, 8 * HOUR, { timeZone: 'UTC', hours: [], holidays: [] }),
      start + 8 * HOUR * 1000,
    );
  });

  test('a day the clocks spring forward holds 23 business hours, one they fall back 25', () => {
    const allDay: BusinessCalendar = {
      timeZone: 'Europe/Paris',
      hours: weekdays('00:00', '24:00', [1, 2, 3, 4, 5, 6, 7]),
      holidays: [],
    };
    // Sunday 29 March 2026: 02:00 becomes 03:00 in Paris.
    const spring = at('2026-03-29T00:00');
    assert.equal(local(addBusinessSeconds(spring, 23 * HOUR, allDay)), 'Mon 2026-03-30T00:00');
    assert.equal(businessSecondsBetween(spring, at('2026-03-30T00:00'), allDay), 23 * HOUR);
    // Sunday 25 October 2026: 03:00 becomes 02:00 again.
    const autumn = at('2026-10-25T00:00');
    assert.equal(local(addBusinessSeconds(autumn, 25 * HOUR, allDay)), 'Mon 2026-10-26T00:00');
    assert.equal(businessSecondsBetween(autumn, at('2026-10-26T00:00'), allDay), 25 * HOUR);
  });

  test('office hours keep their local times across a DST change (UTC moves by an hour)', () => {
    // Friday 27 March 17:00 CET (16:00 UTC) + 1 h → Monday 30 March 10:00 CEST (08:00 UTC).
    const due = addBusinessSeconds(at('2026-03-27T17:00'), HOUR, office());
    assert.equal(local(due), 'Mon 2026-03-30T10:00');
    assert.equal(new Date(due).toISOString(), '2026-03-30T08:00:00.000Z');
  });

  test('a calendar that is never open is refused rather than looping', () => {
    const closed: BusinessCalendar = {
      timeZone: 'UTC',
      hours: [{ weekday: 1, opens: '09:00', closes: '09:00' }],
      holidays: [],
    };
    assert.throws(() => addBusinessSeconds(0, HOUR, closed), /no opening/);
  });
});

describe('business time between two instants', () => {
  test('Friday 16:00 to Monday 10:00 is two business hours', () => {
    assert.equal(
      businessSecondsBetween(at('2026-12-04T16:00'), at('2026-12-07T10:00'), office()),
      2 * HOUR,
    );
  });

  test('a holiday counts nothing; a weekend counts nothing', () => {
    const calendar = office('Europe/Paris', ['2026-12-07']);
    assert.equal(
      businessSecondsBetween(at('2026-12-05T08:00'), at('2026-12-07T23:00'), calendar),
      0,
    );
    assert.equal(
      businessSecondsBetween(at('2026-12-05T08:00'), at('2026-12-08T10:30'), calendar),
      1.5 * HOUR,
    );
  });

  test('an end before the start is no time at all', () => {
    assert.equal(
      businessSecondsBetween(at('2026-12-04T16:00'), at('2026-12-04T10:00'), office()),
      0,
    );
  });

  test('adding then measuring gives back what was added, for any start and amount', () => {
    const calendar: BusinessCalendar = {
      timeZone: 'America/New_York',
      hours: [
        ...weekdays('08:30', '12:00'),
        ...weekdays('13:00', '18:00'),
        { weekday: 6, opens: '10:00', closes: '14:00' },
      ],
      holidays: ['2026-11-26', '2026-12-25'],
    };
    const base = Date.UTC(2026, 0, 1);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 364 * 24 * 3600 }),
        fc.integer({ min: 0, max: 60 * HOUR }),
        (offset, seconds) => {
          const start = base + offset * 1000;
          const due = addBusinessSeconds(start, seconds, calendar);
          assert.ok(due >= start);
          assert.equal(businessSecondsBetween(start, due, calendar), seconds);
        },
      ),
      { numRuns: 150 },
    );
  });
});
