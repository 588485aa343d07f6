/**
 * Routing counts the promises the admin sets, and written channels count the team's business hours:
 * through the API, on both databases.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { testDatabases } from '../../test/databases.ts';
import { json, startHarness, type Harness } from '../../test/harness.ts';

const databases = await testDatabases();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const paris = (local: string) => DateTime.fromISO(local, { zone: 'Europe/Paris' }).toMillis();

for (const database of databases) {
  describe(`service-level clocks on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let admin = '';
    let gateway: Record<string, string>;
    let serial = 0;

    before(async () => {
      h = await startHarness(await database.open());
      admin = await h.signIn(h.fixture.people.admin.email);
      gateway = { authorization: `Bearer ${h.fixture.gatewayToken}` };
    });
    after(async () => h.close());

    const put = async (url: string, payload: object) => {
      const response = await h.app.inject({
        method: 'PUT',
        url,
        headers: { cookie: admin },
        payload,
      });
      assert.equal(response.statusCode, 200, response.body);
      return json(response);
    };

    /** A new contact on the team; returns its work item's arrival and deadline. */
    async function contact(
      teamId: number,
      kind: 'email' | 'chat_message' | 'sms',
    ): Promise<{ createdAt: number; deadlineAt: number }> {
      const n = ++serial;
      const from =
        kind === 'sms'
          ? { phone: `+3361234${String(n).padStart(4, '0')}` }
          : { email: `c${n}@clocks.test` };
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: gateway,
        payload: { kind, from, text: `Hello ${n}`, teamId },
      });
      assert.ok([200, 201].includes(response.statusCode), response.body);
      const { conversationId } = json<{ conversationId: number }>(response);
      const item = await h.ctx.store.db
        .selectFrom('work_items')
        .select(['created_at', 'deadline_at'])
        .where('conversation_id', '=', conversationId)
        .executeTakeFirstOrThrow();
      return { createdAt: Number(item.created_at), deadlineAt: Number(item.deadline_at) };
    }

    test('a service level changed in admin sets the deadline, and so the order, of new work', async () => {
      const team = h.fixture.teams.tech;
      const before = await contact(team, 'email');
      assert.equal(before.deadlineAt - before.createdAt, 4 * HOUR, 'the built-in 4 h at first');
      const chat = await contact(team, 'chat_message');
      await put('/api/insights/service-levels/email', { thresholdSeconds: 30, targetPercent: 90 });
      h.clock.advance(10_000);
      const email = await contact(team, 'email');
      assert.equal(email.deadlineAt - email.createdAt, 30_000);
      // Due 40 s after the chat arrived, before the chat's 60 s: it now goes first.
      assert.ok(email.deadlineAt < chat.deadlineAt);
      await put('/api/insights/service-levels/email', {
        thresholdSeconds: 4 * 3600,
        targetPercent: 90,
      });
    });

    test("a Friday-evening email's deadline skips the weekend and a holiday Monday; a chat's does not", async () => {
      const team = h.fixture.teams.care;
      // Friday 27 November 2026, 17:00 in Paris (a new session: the clock moved two days).
      h.clock.advance(paris('2026-11-27T17:00') - h.clock.now());
      admin = await h.signIn(h.fixture.people.admin.email);
      const hours = [1, 2, 3, 4, 5].map((weekday) => ({
        weekday,
        opens: '09:00',
        closes: '17:00',
      }));
      const calendar = await put(`/api/teams/${team}/calendar`, {
        timeZone: 'Europe/Paris',
        hours,
        holidays: [],
      });
      assert.equal(calendar['saved'], true);
      await put('/api/insights/service-levels/email', {
        thresholdSeconds: 8 * 3600,
        targetPercent: 90,
      });
      const email = await contact(team, 'email');
      assert.equal(email.deadlineAt, paris('2026-11-30T17:00'), 'Monday 17:00');
      const sms = await contact(team, 'sms');
      assert.equal(sms.deadlineAt, paris('2026-11-30T10:00'), "SMS: its 1 h from Monday's opening");
      const chat = await contact(team, 'chat_message');
      assert.equal(chat.deadlineAt, chat.createdAt + MINUTE, 'a chat runs on the wall clock');
      await put(`/api/teams/${team}/calendar`, {
        timeZone: 'Europe/Paris',
        hours,
        holidays: [{ date: '2026-11-30', name: 'Team day out' }],
      });
      const later = await contact(team, 'email');
      assert.equal(later.deadlineAt, paris('2026-12-01T17:00'), 'Tuesday 17:00');
      const saved = await h.app.inject({
        url: `/api/teams/${team}/calendar`,
        headers: { cookie: admin },
      });
      assert.deepEqual(json(saved)['holidays'], [{ date: '2026-11-30', name: 'Team day out' }]);
    });
  });
}
