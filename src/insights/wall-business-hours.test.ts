/**
 * The wall judges written waits in the business hours of the case's team: an email of Friday 17:00
 * answered Monday 09:30 (Monday to Friday 09:00–17:00, 4 h promised) waited 30 minutes. Calls,
 * chats and visits stay on the wall clock. Pure rules, then through the API on both databases.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import { judge, summariseWall, type Wall } from './wall.ts';
import type { BusinessCalendar } from '../routing/business-time.ts';
import type { Channel } from '../channels/channel.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const paris = (local: string) => DateTime.fromISO(local, { zone: 'Europe/Paris' }).toMillis();
const week = [1, 2, 3, 4, 5].map((weekday) => ({
  weekday: weekday as 1 | 2 | 3 | 4 | 5,
  opens: '09:00',
  closes: '17:00',
}));
const calendar: BusinessCalendar = { timeZone: 'Europe/Paris', hours: week, holidays: [] };
const friday = paris('2026-11-27T17:00');
const monday = paris('2026-11-30T09:30');

describe('written waits in business time, as pure rules', () => {
  const email = {
    conversationId: 1,
    channel: 'email',
    start: friday,
    answeredAt: monday,
    endedAt: null,
    teamId: 7,
  };

  test('the Friday-evening email answered Monday 09:30 is met with the calendar, missed without', () => {
    assert.equal(judge(email, 4 * HOUR, monday, calendar), 'met');
    assert.equal(judge(email, 4 * HOUR, monday), 'missed');
  });

  test('the wall counts written waits in their team’s hours and chats on the wall clock', () => {
    const policy = (channel: Channel, thresholdMs: number) => ({
      channel,
      thresholdMs,
      targetFraction: 0.8,
      customised: false,
    });
    const policies = {
      voice: policy('voice', 20_000),
      chat: policy('chat', MINUTE),
      email: policy('email', 4 * HOUR),
      sms: policy('sms', HOUR),
      social: policy('social', 4 * HOUR),
      shop: policy('shop', 10 * MINUTE),
    };
    const now = paris('2026-11-30T10:00');
    const wall = summariseWall({
      waits: [
        { conversationId: 2, channel: 'email', since: paris('2026-11-27T18:00'), teamId: 7 },
        { conversationId: 3, channel: 'chat', since: paris('2026-11-30T09:58'), teamId: 7 },
      ],
      episodes: [email],
      policies,
      now,
      dayStart: paris('2026-11-30T00:00'),
      timeZone: 'Europe/Paris',
      calendars: new Map([[7, calendar]]),
    });
    const channel = (name: string) => wall.channels.find((c) => c.channel === name)!;
    assert.equal(channel('email').met, 1);
    assert.equal(channel('email').judged, 1);
    assert.equal(channel('email').averageSpeedOfAnswerMs, 30 * MINUTE);
    assert.equal(channel('email').arrivalsByHour[9], 1, 'its clock started at Monday’s opening');
    assert.equal(channel('email').longestWaitMs, HOUR, 'the weekend does not count');
    assert.equal(channel('email').overThreshold, 0);
    assert.equal(channel('chat').longestWaitMs, 2 * MINUTE, 'a chat runs on the wall clock');
    assert.equal(channel('chat').overThreshold, 1);
  });
});

for (const database of await testDatabases()) {
  describe(`the wall in business hours on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;

    beforeEach(async () => {
      h = await startHarness(await database.open(), { gateway: true });
    });
    afterEach(() => h.close());

    const channel = (w: Wall, name: string) => w.channels.find((c) => c.channel === name)!;

    /** Friday 17:00 an email that is answered Monday 09:30, Friday 18:00 one nobody answered yet. */
    async function weekend(withCalendar: boolean): Promise<Wall> {
      h.clock.advance(friday - h.clock.now());
      const admin = await h.signIn(h.fixture.people.admin.email);
      const gateway = { authorization: `Bearer ${h.fixture.gatewayToken}` };
      const team = h.fixture.teams.care;
      if (withCalendar) {
        const saved = await h.app.inject({
          method: 'PUT',
          url: `/api/teams/${team}/calendar`,
          headers: { cookie: admin },
          payload: { timeZone: 'Europe/Paris', hours: week, holidays: [] },
        });
        assert.equal(saved.statusCode, 200, saved.body);
      }
      const email = async (from: string, text: string) => {
        const response = await h.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers: gateway,
          payload: { kind: 'email', from: { email: from }, text, teamId: team },
        });
        assert.equal(response.statusCode, 201, response.body);
        return json<{ conversationId: number }>(response).conversationId;
      };
      const answered = await email('ines@example.com', 'My invoice is wrong');
      h.clock.advance(HOUR);
      await email('bruno@example.com', 'Where is my parcel?');
      h.clock.advance(monday - h.clock.now());
      const advisor = await h.signIn(h.fixture.people.advisor.email);
      const reply = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${answered}/interactions`,
        headers: { cookie: advisor },
        payload: { kind: 'email', text: 'Sorry Inès, here is the right invoice.' },
      });
      assert.equal(reply.statusCode, 201, reply.body);
      const replyId = json<{ id: number }>(reply).id;
      for (let i = 0; ; i++) {
        const row = await h.ctx.store.db
          .selectFrom('interactions')
          .select('delivery_state')
          .where('id', '=', replyId)
          .executeTakeFirstOrThrow();
        if (row.delivery_state === 'sent') break;
        if (i > 1000) throw new Error('the reply was never sent');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      h.clock.advance(paris('2026-11-30T10:00') - h.clock.now());
      const supervisor = await h.signIn(h.fixture.people.supervisor.email);
      return json<Wall>(
        await h.app.inject({
          method: 'GET',
          url: '/api/insights/wall?timeZone=Europe/Paris',
          headers: { cookie: supervisor },
        }),
      );
    }

    test('with the team’s calendar the Friday-evening email is met and the weekend not counted', async () => {
      const email = channel(await weekend(true), 'email');
      assert.equal(email.met, 1);
      assert.equal(email.judged, 1);
      assert.equal(email.serviceLevel, 1);
      assert.equal(email.averageSpeedOfAnswerMs, 30 * MINUTE);
      assert.equal(email.waiting, 1);
      assert.equal(email.longestWaitMs, HOUR, 'Bruno waits since Monday’s opening');
      assert.equal(email.overThreshold, 0);
    });

    test('without a calendar (24 × 7) the same email is not met and Bruno is over the threshold', async () => {
      const email = channel(await weekend(false), 'email');
      assert.equal(email.met, 0);
      assert.equal(email.serviceLevel, null, 'a wait of Friday is not one of Monday');
      assert.equal(email.waiting, 1);
      assert.equal(email.longestWaitMs, paris('2026-11-30T10:00') - paris('2026-11-27T18:00'));
      assert.equal(email.overThreshold, 1);
    });
  });
}
