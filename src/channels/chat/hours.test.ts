import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../../test/databases.ts';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { setPresence } from '../../routing/presence.ts';
import { chatAvailability, nextOpening, parseChatHours, withinHours } from './hours.ts';

const weekdays = JSON.stringify({
  timeZone: 'Europe/Amsterdam',
  days: {
    mon: ['09:00', '17:00'],
    tue: ['09:00', '17:00'],
    wed: ['09:00', '17:00'],
    thu: ['09:00', '17:00'],
    fri: ['09:00', '16:00'],
  },
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

test('no hours set: always open, no next opening', () => {
  assert.equal(parseChatHours(''), null);
  assert.equal(parseChatHours(undefined), null);
  assert.equal(withinHours(null, Date.UTC(2026, 0, 4, 3)), true);
  assert.equal(nextOpening(null, Date.UTC(2026, 0, 4, 3)), null);
});

test('hours are judged on the wall clock of their own time zone', () => {
  const hours = parseChatHours(weekdays);
  // Wednesday 25 November 2026, 08:30 UTC = 09:30 in Amsterdam (CET).
  assert.equal(withinHours(hours, Date.UTC(2026, 10, 25, 8, 30)), true);
  // 07:30 UTC = 08:30 in Amsterdam: not yet; the opening is at 08:00 UTC.
  assert.equal(withinHours(hours, Date.UTC(2026, 10, 25, 7, 30)), false);
  assert.equal(iso(nextOpening(hours, Date.UTC(2026, 10, 25, 7, 30))), '2026-11-25T08:00:00.000Z');
});

test('after Friday’s closing the next opening is Monday morning', () => {
  const hours = parseChatHours(weekdays);
  // Friday 27 November 2026, 15:30 UTC = 16:30 in Amsterdam: closed since 16:00.
  const friday = Date.UTC(2026, 10, 27, 15, 30);
  assert.equal(withinHours(hours, friday), false);
  assert.equal(iso(nextOpening(hours, friday)), '2026-11-30T08:00:00.000Z');
});

test('the next opening follows daylight saving time: 09:00 in summer is 07:00 UTC', () => {
  const hours = parseChatHours(weekdays);
  // Saturday 28 March 2026; summer time starts on Sunday the 29th.
  assert.equal(iso(nextOpening(hours, Date.UTC(2026, 2, 28, 12))), '2026-03-30T07:00:00.000Z');
});

test('a malformed hours setting is refused naming the field', () => {
  assert.throws(() => parseChatHours('{'), /settings.hours: is not JSON/);
  assert.throws(
    () => parseChatHours(JSON.stringify({ timeZone: 'Mars/Olympus', days: {} })),
    /settings.hours.timeZone/,
  );
  assert.throws(
    () => parseChatHours(JSON.stringify({ timeZone: 'UTC', days: { moon: ['09:00', '17:00'] } })),
    /settings.hours.days.moon/,
  );
  assert.throws(
    () => parseChatHours(JSON.stringify({ timeZone: 'UTC', days: { mon: ['17:00', '09:00'] } })),
    /closes: must be after the opening/,
  );
});

for (const database of await testDatabases()) {
  describe(`chat availability on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    const account = () => ({ id: h.fixture.accounts.chat, settings: { hours: weekdays } });

    before(async () => {
      h = await startHarness(await database.open());
    });
    after(async () => h.close());

    test('within hours with nobody on shift the chat is offline, and says when it opens next', async () => {
      // The harness's clock: Wednesday 25 November 2026, 09:00 UTC (10:00 in Amsterdam).
      const found = await chatAvailability(h.ctx, account(), h.clock.now());
      assert.deepEqual(found, {
        online: false,
        nextOpenAt: '2026-11-26T08:00:00.000Z',
        withinHours: true,
        slotsOnShift: 0,
      });
    });

    test('an advisor of the account’s team on shift puts it online; another team’s does not', async () => {
      const { techAdvisor, advisor } = h.fixture.people;
      await h.ctx.writer.run((unit) =>
        setPresence(unit, techAdvisor.id, 'available', { type: 'advisor', id: techAdvisor.id }),
      );
      assert.equal((await chatAvailability(h.ctx, account(), h.clock.now())).online, false);
      await h.ctx.writer.run((unit) =>
        setPresence(unit, advisor.id, 'available', { type: 'advisor', id: advisor.id }),
      );
      assert.deepEqual(await chatAvailability(h.ctx, account(), h.clock.now()), {
        online: true,
        nextOpenAt: null,
        withinHours: true,
        slotsOnShift: 3,
      });
    });

    test('out of hours the chat is offline even with advisors on shift', async () => {
      const evening = Date.UTC(2026, 10, 25, 18);
      assert.deepEqual(await chatAvailability(h.ctx, account(), evening), {
        online: false,
        nextOpenAt: '2026-11-26T08:00:00.000Z',
        withinHours: false,
        slotsOnShift: 3,
      });
    });
  });
}
