import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import { judge, summariseWall, type Wall } from './wall.ts';
import { foldWaits, waitEpisodes } from '../routing/waits.ts';
import { loadPolicies } from '../routing/service-levels.ts';

describe('waits and service level, as pure rules', () => {
  test('a reply answers every contact before it; the wait starts at the first unanswered one', () => {
    const episodes = waitEpisodes([
      {
        conversation_id: 1,
        channel: 'email',
        direction: 'inbound',
        created_at: 100,
        sent_at: null,
      },
      { conversation_id: 1, channel: 'chat', direction: 'inbound', created_at: 150, sent_at: null },
      {
        conversation_id: 1,
        channel: 'email',
        direction: 'outbound',
        created_at: 200,
        sent_at: 200,
      },
      { conversation_id: 1, channel: 'chat', direction: 'inbound', created_at: 300, sent_at: null },
      { conversation_id: 2, channel: 'voice', direction: 'inbound', created_at: 50, sent_at: null },
    ]);
    assert.deepEqual(
      episodes.map((e) => [e.conversationId, e.channel, e.start, e.answeredAt]),
      [
        [1, 'email', 100, 200],
        [1, 'chat', 300, null],
        [2, 'voice', 50, null],
      ],
    );
    const waits = foldWaits([
      { conversation_id: 1, channel: 'email', created_at: 100 },
      { conversation_id: 1, channel: 'chat', created_at: 150 },
    ]);
    assert.deepEqual(waits.get(1), { conversationId: 1, channel: 'chat', since: 100 });
  });

  test('a reply that was never sent answers nothing; one sent later answers when it was sent', () => {
    const row = (direction: string, created_at: number, sent_at: number | null = null) => ({
      conversation_id: 1,
      channel: 'sms',
      direction,
      created_at,
      sent_at,
    });
    assert.deepEqual(
      waitEpisodes([row('inbound', 100), row('outbound', 200)]).map((e) => e.answeredAt),
      [null],
      'a queued or failed reply is not an answer',
    );
    assert.deepEqual(
      waitEpisodes([row('inbound', 100), row('outbound', 200), row('outbound', 300, 900)]).map(
        (e) => e.answeredAt,
      ),
      [900],
      'the first reply that went out answers, at the time it went out',
    );
  });

  test('a wait is judged only once it is answered or past the threshold', () => {
    const wait = { conversationId: 1, channel: 'chat', start: 0, answeredAt: null, endedAt: null };
    assert.equal(judge(wait, 60_000, 30_000), 'pending');
    assert.equal(judge(wait, 60_000, 61_000), 'missed');
    assert.equal(judge({ ...wait, answeredAt: 59_000 }, 60_000, 1e9), 'met');
    assert.equal(judge({ ...wait, endedAt: 10_000 }, 60_000, 1e9), 'pending');
  });

  test('the parity index divides the worst channel by the best', async () => {
    const policies = {
      voice: { channel: 'voice', thresholdMs: 20_000, targetFraction: 0.8, customised: false },
      chat: { channel: 'chat', thresholdMs: 60_000, targetFraction: 0.8, customised: false },
      email: { channel: 'email', thresholdMs: 3_600_000, targetFraction: 0.9, customised: false },
      sms: { channel: 'sms', thresholdMs: 3_600_000, targetFraction: 0.9, customised: false },
      social: { channel: 'social', thresholdMs: 3_600_000, targetFraction: 0.9, customised: false },
      shop: { channel: 'shop', thresholdMs: 600_000, targetFraction: 0.8, customised: false },
    } as const;
    const wall = summariseWall({
      waits: [],
      episodes: [
        { conversationId: 1, channel: 'voice', start: 1000, answeredAt: 5000, endedAt: null },
        { conversationId: 2, channel: 'voice', start: 1000, answeredAt: 60_000, endedAt: null },
        { conversationId: 3, channel: 'chat', start: 1000, answeredAt: 2000, endedAt: null },
      ],
      policies,
      now: 100_000,
      dayStart: 0,
      timeZone: 'UTC',
    });
    const voice = wall.channels.find((c) => c.channel === 'voice')!;
    assert.equal(voice.serviceLevel, 0.5);
    assert.equal(voice.averageSpeedOfAnswerMs, 31_500);
    assert.equal(wall.parityIndex, 0.5);
    assert.equal(wall.lowestChannel, 'voice');
    assert.equal(wall.highestChannel, 'chat');
  });
});

for (const database of await testDatabases()) {
  describe(`the supervisor's wall on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let supervisor: string;
    let advisor: string;
    let admin: string;

    // The wall counts every wait in the database: each test starts from an empty one of its own.
    // Replies leave through the test gateway: only a reply that was sent is an answer.
    beforeEach(async () => {
      h = await startHarness(await database.open(), { gateway: true });
      supervisor = await h.signIn(h.fixture.people.supervisor.email);
      advisor = await h.signIn(h.fixture.people.advisor.email);
      admin = await h.signIn(h.fixture.people.admin.email);
    });
    afterEach(() => h.close());

    const inbound = (payload: Record<string, unknown>) =>
      h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload,
      });
    const wall = async () =>
      json<Wall>(
        await h.app.inject({
          method: 'GET',
          url: '/api/insights/wall?timeZone=Europe/Paris',
          headers: { cookie: supervisor },
        }),
      );
    const channel = (w: Wall, name: string) => w.channels.find((c) => c.channel === name)!;
    /** Replies on the case's channel, and waits until the gateway took it. */
    const replySent = async (conversationId: number, kind: string, text: string) => {
      const reply = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${conversationId}/interactions`,
        headers: { cookie: advisor },
        payload: { kind, text },
      });
      assert.equal(reply.statusCode, 201);
      const id = json<{ id: number }>(reply).id;
      const deadline = Date.now() + 10_000;
      for (;;) {
        const row = await h.ctx.store.db
          .selectFrom('interactions')
          .select('delivery_state')
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        if (row.delivery_state === 'sent') return;
        if (Date.now() > deadline) throw new Error(`reply ${id} was never sent`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    /** An email from Inès that nobody has answered yet. */
    const unansweredEmail = async () =>
      assert.equal(
        (
          await inbound({
            kind: 'email',
            from: { email: 'ines@example.com', name: 'Inès' },
            text: 'My invoice is wrong',
          })
        ).statusCode,
        201,
      );

    test('counts who waits on each channel and for how long', async () => {
      await unansweredEmail();
      h.clock.advance(10_000);
      const chat = json<{ conversationId: number }>(
        await inbound({
          kind: 'chat_message',
          from: { email: 'bruno@example.com' },
          text: 'Hello?',
        }),
      );
      h.clock.advance(20_000);
      const w = await wall();
      assert.equal(channel(w, 'email').waiting, 1);
      assert.equal(channel(w, 'email').longestWaitMs, 30_000);
      assert.equal(channel(w, 'chat').waiting, 1);
      assert.equal(channel(w, 'chat').longestWaitMs, 20_000);
      assert.equal(channel(w, 'voice').waiting, 0);
      assert.equal(w.parityIndex, null, 'nothing judged yet');

      await replySent(chat.conversationId, 'chat_message', 'Hello Bruno, how can I help?');
      const answered = await wall();
      assert.equal(channel(answered, 'chat').waiting, 0);
      assert.equal(channel(answered, 'chat').serviceLevel, 1);
      assert.equal(channel(answered, 'chat').averageSpeedOfAnswerMs, 20_000);
    });

    test('a wait past the threshold counts against the channel and lowers the parity index', async () => {
      await unansweredEmail();
      // A chat answered in time, so there is a best channel to compare the late one with.
      const chat = json<{ conversationId: number }>(
        await inbound({ kind: 'chat_message', from: { email: 'bruno@example.com' }, text: 'Hi?' }),
      );
      h.clock.advance(20_000);
      await replySent(chat.conversationId, 'chat_message', 'Hello Bruno, how can I help?');
      assert.equal(channel(await wall(), 'chat').serviceLevel, 1);
      h.clock.advance(5 * 3_600_000);
      const w = await wall();
      assert.equal(channel(w, 'email').overThreshold, 1);
      assert.equal(channel(w, 'email').serviceLevel, 0);
      assert.equal(w.parityIndex, 0);
      assert.equal(w.lowestChannel, 'email');
    });

    test('the wall’s service level ignores a reply that was never sent', async () => {
      const contact = json<{ conversationId: number }>(
        await inbound({ kind: 'sms', from: { phone: '+33677777777' }, text: 'Any news?' }),
      );
      h.clock.advance(5_000);
      // Its account's provider has no adapter on this server: the reply waits for its channel.
      const waiting = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${contact.conversationId}/interactions`,
        headers: { cookie: advisor },
        payload: { kind: 'sms', text: 'Checking now', accountId: h.gateway!.idle.sms },
      });
      assert.equal(json(waiting).deliveryState, 'queued');
      // And one the provider refuses fails: no answer either.
      h.gateway!.provider.answers.push({ status: 400, body: '{"error":"blocked"}' });
      const refused = json<{ id: number }>(
        await h.app.inject({
          method: 'POST',
          url: `/api/conversations/${contact.conversationId}/interactions`,
          headers: { cookie: advisor },
          payload: { kind: 'sms', text: 'Are you there?' },
        }),
      );
      for (let i = 0; ; i++) {
        const row = await h.ctx.store.db
          .selectFrom('interactions')
          .select('delivery_state')
          .where('id', '=', refused.id)
          .executeTakeFirstOrThrow();
        if (row.delivery_state === 'failed') break;
        if (i > 1000) throw new Error('the refused reply never failed');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const w = await wall();
      assert.equal(channel(w, 'sms').answered, 0, 'neither a queued nor a failed reply answers');
      assert.equal(channel(w, 'sms').waiting, 1, 'the customer still waits');
      assert.equal(channel(w, 'sms').averageSpeedOfAnswerMs, null);
    });

    test('only supervisors and admins see the wall; a bad time zone is refused', async () => {
      assert.equal(
        (
          await h.app.inject({
            method: 'GET',
            url: '/api/insights/wall',
            headers: { cookie: advisor },
          })
        ).statusCode,
        403,
      );
      const bad = await h.app.inject({
        method: 'GET',
        url: '/api/insights/wall?timeZone=Mars/Olympus',
        headers: { cookie: supervisor },
      });
      assert.equal(bad.statusCode, 422);
      assert.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8');
    });

    test("the wall's today starts at midnight in the centre's time zone, whoever asks", async () => {
      const centre = await startHarness(await database.open(), {
        config: { timeZone: 'Asia/Tokyo' },
      });
      try {
        const response = await centre.app.inject({
          method: 'GET',
          url: '/api/insights/wall',
          headers: { cookie: await centre.signIn(centre.fixture.people.supervisor.email) },
        });
        assert.equal(response.statusCode, 200);
        const figures = json<Wall>(response);
        assert.equal(figures.timeZone, 'Asia/Tokyo');
        const local = DateTime.fromMillis(Date.parse(figures.dayStart), { zone: 'Asia/Tokyo' });
        assert.equal(local.toFormat('HH:mm'), '00:00');
        assert.equal(
          local.toISODate(),
          DateTime.fromMillis(centre.clock.now(), { zone: 'Asia/Tokyo' }).toISODate(),
        );
      } finally {
        await centre.close();
      }
    });

    test('an admin changes a channel promise, audited; others may not', async () => {
      // An email left five hours: late against the default one-hour promise.
      await unansweredEmail();
      h.clock.advance(5 * 3_600_000);
      assert.equal(channel(await wall(), 'email').serviceLevel, 0);
      const url = '/api/insights/service-levels/email';
      assert.equal(
        (
          await h.app.inject({
            method: 'PUT',
            url,
            headers: { cookie: supervisor },
            payload: { thresholdSeconds: 60, targetPercent: 80 },
          })
        ).statusCode,
        403,
      );
      assert.equal(
        (
          await h.app.inject({
            method: 'PUT',
            url,
            headers: { cookie: admin },
            payload: { thresholdSeconds: 60, targetPercent: 80, extra: 1 },
          })
        ).statusCode,
        400,
      );
      const ok = await h.app.inject({
        method: 'PUT',
        url,
        headers: { cookie: admin },
        payload: { thresholdSeconds: 86_400, targetPercent: 95 },
      });
      assert.equal(ok.statusCode, 200);
      const policies = await loadPolicies(h.ctx.store.db);
      assert.equal(policies.email.thresholdMs, 86_400_000);
      assert.equal(policies.email.targetFraction, 0.95);
      assert.equal(policies.chat.customised, false);
      const w = await wall();
      assert.equal(
        channel(w, 'email').serviceLevel,
        null,
        'the email wait is within the new 24 h promise',
      );
      const events = json<{ items: Array<{ type: string }> }>(
        await h.app.inject({
          method: 'GET',
          url: '/api/events?entityType=service_level_policy',
          headers: { cookie: admin },
        }),
      );
      assert.equal(events.items[0]?.type, 'service-level.changed');
    });
  });
}
