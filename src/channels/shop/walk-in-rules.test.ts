import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import fc from 'fast-check';
import {
  estimateWait,
  isNearFront,
  nextOpening,
  openAt,
  serviceMinutes,
  shopDay,
  ticketCode,
} from './walk-in-rules.ts';

const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();

describe('walk-in rules', () => {
  test('a ticket code has the prefix and three digits at least', () => {
    assert.equal(ticketCode('A', 42), 'A-042');
    assert.equal(ticketCode('R', 1234), 'R-1234');
  });

  test('the shop day follows the shop’s wall clock on both daylight-saving change days', () => {
    const ny = 'America/New_York';
    // 8 March 2026 (clocks forward) and 1 November 2026 (clocks back) in New York.
    assert.equal(shopDay(ny, at('2026-03-08T00:30', ny)), '2026-03-08');
    assert.equal(shopDay(ny, at('2026-03-08T23:59', ny)), '2026-03-08');
    assert.equal(shopDay(ny, at('2026-11-01T01:30', ny)), '2026-11-01');
    assert.equal(shopDay(ny, at('2026-11-01T23:59', ny)), '2026-11-01');
    assert.equal(shopDay(ny, at('2026-11-02T00:00', ny)), '2026-11-02');
  });

  test('openings: several a day, an exception replaces them, a closed day has none', () => {
    const zone = 'Europe/Paris';
    const week = [
      { weekday: 1, opens: '10:00', closes: '13:00' },
      { weekday: 1, opens: '14:00', closes: '19:00' },
    ];
    const exceptions = [
      { date: '2026-12-21', opens: '10:00', closes: '12:00' },
      { date: '2026-12-28', opens: null, closes: null },
    ];
    assert.equal(openAt(zone, week, [], at('2026-12-14T12:59', zone)).open, true);
    assert.equal(openAt(zone, week, [], at('2026-12-14T13:30', zone)).open, false);
    assert.equal(
      openAt(zone, week, [], at('2026-12-14T14:00', zone)).closesAt,
      at('2026-12-14T19:00', zone),
    );
    assert.equal(openAt(zone, week, exceptions, at('2026-12-21T11:00', zone)).open, true);
    assert.equal(openAt(zone, week, exceptions, at('2026-12-21T15:00', zone)).open, false);
    assert.equal(openAt(zone, week, exceptions, at('2026-12-28T11:00', zone)).open, false);
    // 29 March 2027 is a Monday after the spring change: 10:00 is still 10:00.
    assert.equal(openAt(zone, week, [], at('2027-03-29T10:00', zone)).open, true);
    assert.equal(openAt(zone, week, [], at('2027-03-29T09:59', zone)).open, false);
  });

  test('the next opening: after lunch today, or the next day that opens, skipping a closed one', () => {
    const zone = 'Europe/Paris';
    const week = [1, 2, 3, 4, 5].flatMap((weekday) => [
      { weekday, opens: '10:00', closes: '13:00' },
      { weekday, opens: '14:00', closes: '19:00' },
    ]);
    const closedMonday = [{ date: '2026-12-28', opens: null, closes: null }];
    assert.equal(
      nextOpening(zone, week, [], at('2026-12-14T13:30', zone)),
      at('2026-12-14T14:00', zone),
    );
    // Friday evening: Monday at 10:00 — or Tuesday when Monday is a holiday.
    assert.equal(
      nextOpening(zone, week, [], at('2026-12-25T19:30', zone)),
      at('2026-12-28T10:00', zone),
    );
    assert.equal(
      nextOpening(zone, week, closedMonday, at('2026-12-25T19:30', zone)),
      at('2026-12-29T10:00', zone),
    );
    // The night the clocks go back (25 October 2026), 10:00 on Monday is still 10:00.
    assert.equal(
      nextOpening(zone, week, [], at('2026-10-24T20:00', zone)),
      at('2026-10-26T10:00', zone),
    );
    assert.equal(nextOpening(zone, [], [], at('2026-10-24T20:00', zone)), null);
  });

  test('service minutes: catalogue without history, history padded until three samples', () => {
    assert.deepEqual(serviceMinutes([], 30), { minutes: 30, basis: 'catalogue' });
    assert.deepEqual(serviceMinutes([6], 30), { minutes: 22, basis: 'history' });
    assert.deepEqual(serviceMinutes([10, 12, 14, 16], 30), { minutes: 13, basis: 'history' });
  });

  test('the estimate hands each person ahead to the advisor free soonest', () => {
    assert.equal(estimateWait({ ahead: [], advisorsFreeIn: [0] }), 0);
    assert.equal(estimateWait({ ahead: [10, 10, 10], advisorsFreeIn: [0] }), 30);
    assert.equal(estimateWait({ ahead: [10, 10, 10], advisorsFreeIn: [0, 0] }), 10);
    assert.equal(estimateWait({ ahead: [10, 10, 10, 10], advisorsFreeIn: [0, 0] }), 20);
    assert.equal(estimateWait({ ahead: [], advisorsFreeIn: [7.5, 3.2] }), 4);
    assert.equal(estimateWait({ ahead: [5], advisorsFreeIn: [] }), null);
  });

  test('near the front: two ahead or five minutes, never while nobody can serve', () => {
    assert.equal(isNearFront({ ahead: 2, minutes: 40 }), true);
    assert.equal(isNearFront({ ahead: 6, minutes: 5 }), true);
    assert.equal(isNearFront({ ahead: 3, minutes: 6 }), false);
    assert.equal(isNearFront({ ahead: 0, minutes: null }), false);
  });

  test('the estimate never falls when someone joins ahead, and never rises with another advisor', () => {
    const minutes = fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 30 });
    const free = fc.array(fc.integer({ min: 0, max: 45 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(
        minutes,
        free,
        fc.integer({ min: 1, max: 60 }),
        fc.nat(45),
        (ahead, advisors, more, extra) => {
          const base = estimateWait({ ahead, advisorsFreeIn: advisors })!;
          assert.ok(base >= 0);
          assert.ok(estimateWait({ ahead: [...ahead, more], advisorsFreeIn: advisors })! >= base);
          assert.ok(estimateWait({ ahead, advisorsFreeIn: [...advisors, extra] })! <= base);
          // One advisor free now: the wait is the sum of the visits ahead.
          assert.equal(
            estimateWait({ ahead, advisorsFreeIn: [0] }),
            ahead.reduce((a, b) => a + b, 0),
          );
        },
      ),
    );
  });
});
