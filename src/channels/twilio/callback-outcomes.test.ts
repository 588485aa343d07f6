/**
 * Callbacks as routing work, their calls' attempts and outcomes, over the running server on SQLite and
 * PostgreSQL: Twilio's status callbacks and connect fetches signed in the test as Twilio signs them, a
 * local HTTP server standing in for Twilio's Calls API, routing rounds run on the database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { createChannelAccount } from '../channel-accounts.ts';
import { storedAccounts } from '../send-queue.ts';
import { createSecretBox } from '../../platform/secrets.ts';
import { systemActor } from '../../platform/events/event.ts';
import { JobFailure } from '../../platform/jobs/jobs.ts';
import { setCapacity, setPresence } from '../../routing/presence.ts';
import { dispatchWork } from '../../routing/dispatch-round.ts';
import { twilioSignature } from './twilio-signature.ts';
import { callbackCallJobs, callJobType, startCallbackAutoCalls } from './callback-calls.ts';
import { busyPauseMs, noAnswerBackoffMs, settleEndedCallbackCalls } from './callback-outcomes.ts';
import { sweepCalls } from './calls.ts';

const token = 'test-auth-token-callbacks-0123456';
const publicUrl = 'https://care.example.com';
const accountSid = 'AC22222222222222222222222222222222';
const openLine = '+33140000400';
const thursdayLine = '+33140000401';
const advisorLine = '+33612000011';

let sequence = 0;
const sid = (prefix: string) =>
  `${prefix}${crypto.createHash('md5').update(`${Date.now()}-${++sequence}`).digest('hex')}`;

/** Stands in for Twilio's Calls API: records each POST, answers the queued answers or a new sid. */
async function startTwilioRest() {
  const requests: URLSearchParams[] = [];
  const answers: { status: number; body: string }[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      requests.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const answer = answers.shift() ?? {
        status: 201,
        body: JSON.stringify({ sid: sid('CA'), status: 'queued' }),
      };
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    answers,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

for (const database of await testDatabases()) {
  describe(`callback attempts and outcomes on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let rest: Awaited<ReturnType<typeof startTwilioRest>>;
    let cookie: string;
    let autoCalls: ReturnType<typeof startCallbackAutoCalls>;
    let me: number;

    before(async () => {
      rest = await startTwilioRest();
      h = await startHarness(await database.open(), { gateway: true, config: { publicUrl } });
      me = h.fixture.people.advisor.id;
      cookie = await h.signIn(h.fixture.people.advisor.email);
      const box = createSecretBox(h.ctx.config.secretKey);
      await h.ctx.writer.run(async (unit) => {
        for (const [displayName, address, extra] of [
          ['Care line', openLine, {}],
          // The harness's clock starts on a Wednesday at 09:00 UTC: this line opens on Thursday only.
          [
            'Thursday line',
            thursdayLine,
            {
              hours: JSON.stringify([{ weekday: 4, opens: '09:00', closes: '18:00' }]),
              timeZone: 'UTC',
            },
          ],
        ] as const)
          await createChannelAccount(
            unit,
            box,
            {
              channel: 'voice',
              provider: 'twilio',
              displayName,
              address,
              teamId: h.fixture.teams.care,
              settings: { baseUrl: rest.url, accountSid, ...extra },
              secrets: { authToken: token },
            },
            systemActor,
          );
      });
      const line = await h.app.inject({
        method: 'PUT',
        url: `/api/advisors/${me}/line`,
        headers: { cookie },
        payload: { address: advisorLine },
      });
      assert.equal(line.statusCode, 200, line.body);
      autoCalls = startCallbackAutoCalls(h.ctx);
    });
    after(async () => {
      autoCalls.stop();
      await h.close();
      await rest.close();
    });

    const twilio = async (path: string, params: Record<string, string>) => {
      const response = await h.app.inject({
        method: 'POST',
        url: path,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilioSignature(token, `${publicUrl}${path}`, params),
        },
        payload: new URLSearchParams(params).toString(),
      });
      assert.ok(response.statusCode < 300, `${path}: ${response.statusCode} ${response.body}`);
      return response;
    };
    const item = (id: number) =>
      h.ctx.store.db
        .selectFrom('work_items')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const attempts = (id: number) =>
      h.ctx.store.db
        .selectFrom('callback_attempts')
        .selectAll()
        .where('work_item_id', '=', id)
        .orderBy('id')
        .execute();
    const eventsOf = (id: number, type: string) =>
      h.ctx.store.db
        .selectFrom('events')
        .selectAll()
        .where('entity_type', '=', 'work_item')
        .where('entity_id', '=', id)
        .where('type', '=', type)
        .execute();
    const round = () => h.ctx.writer.run((unit) => dispatchWork(unit, h.ctx.store.dialect));
    const presence = (state: 'available' | 'offline') =>
      h.ctx.writer.run(async (unit) => {
        await setPresence(unit, me, state, systemActor);
        await setCapacity(unit, me, { voice: 1 }, systemActor);
      });

    /** A customer calls in on `line`; pressing 1 makes their wait a callback. */
    const inbound = async (from: string, line = openLine, press = true) => {
      const callSid = sid('CA');
      await twilio('/webhooks/twilio/voice', {
        CallSid: callSid,
        AccountSid: accountSid,
        From: from,
        To: line,
        CallStatus: 'ringing',
        Direction: 'inbound',
      });
      if (press)
        await twilio('/webhooks/twilio/voice/menu', {
          CallSid: callSid,
          AccountSid: accountSid,
          From: from,
          To: line,
          Digits: '1',
        });
      const call = await h.ctx.store.db
        .selectFrom('calls')
        .select('work_item_id')
        .where('provider_call_id', '=', callSid)
        .executeTakeFirstOrThrow();
      return Number(call.work_item_id);
    };

    const runJob = async (jobId: number) => {
      const job = await h.ctx.store.db
        .selectFrom('jobs')
        .selectAll()
        .where('id', '=', jobId)
        .executeTakeFirstOrThrow();
      const handler = callbackCallJobs({
        db: h.ctx.store.db,
        writer: h.ctx.writer,
        accounts: storedAccounts(createSecretBox(h.ctx.config.secretKey)),
        publicUrl,
        now: () => h.clock.now(),
      })[callJobType]!;
      await handler({
        id: job.id,
        type: job.type,
        payload: JSON.parse(job.payload),
        attempt: 1,
        key: job.key,
      }).finally(() =>
        // As the job worker does once the handler returns (or fails for good).
        h.ctx.store.db
          .updateTable('jobs')
          .set({ state: 'done' })
          .where('id', '=', job.id)
          .execute(),
      );
    };

    /** The advisor's one-click call: Twilio's Calls API takes it; answers the outbound CallSid. */
    const callBack = async (itemId: number) => {
      const asked = await h.app.inject({
        method: 'POST',
        url: `/api/callbacks/${itemId}/call`,
        headers: { cookie },
      });
      assert.equal(asked.statusCode, 202, asked.body);
      const outbound = sid('CA');
      rest.answers.push({ status: 201, body: JSON.stringify({ sid: outbound, status: 'queued' }) });
      await runJob(json<{ jobId: number }>(asked).jobId);
      return outbound;
    };

    /** Twilio's status callback for the outbound call, from `line` to the customer. */
    const status = (
      callSid: string,
      callStatus: string,
      to: string,
      more: Record<string, string> = {},
      line = openLine,
    ) =>
      twilio('/webhooks/twilio/voice/status', {
        CallSid: callSid,
        AccountSid: accountSid,
        From: line,
        To: to,
        Direction: 'outbound-api',
        CallStatus: callStatus,
        ...more,
      });

    test('FIFO holds between callers on hold and callbacks: the earlier arrival is offered first, whatever its kind', async () => {
      const first = await inbound('+33623000001'); // takes a callback
      h.clock.advance(1_000);
      const second = await inbound('+33623000002', openLine, false); // stays on hold
      assert.equal((await item(first)).kind, 'callback');
      assert.equal((await item(second)).kind, 'call');
      await presence('available');
      const offered = (await round()).offers.map((o) => Number(o.itemId));
      assert.deepEqual(offered, [first], 'the callback arrived first and is offered first');
      // And the other way round: a caller on hold before a later callback goes first.
      await h.ctx.store.db
        .updateTable('work_items')
        .set({ status: 'withdrawn', advisor_id: null })
        .where('id', 'in', [first, second])
        .execute();
      const onHold = await inbound('+33623000003', openLine, false);
      h.clock.advance(1_000);
      const later = await inbound('+33623000004');
      assert.equal((await item(later)).kind, 'callback');
      assert.deepEqual(
        (await round()).offers.map((o) => Number(o.itemId)),
        [onHold],
        'a callback never jumps ahead because of its kind',
      );
      await h.ctx.store.db
        .updateTable('work_items')
        .set({ status: 'withdrawn', advisor_id: null })
        .where('id', 'in', [onHold, later])
        .execute();
    });

    test('an advisor places a callback for later: not offered before it is due; accepted, the call is placed at once', async () => {
      const itemId = await inbound('+33623000010', openLine, false);
      const conversationId = Number((await item(itemId)).conversation_id);
      // The advisor takes the call, then says "I call you back in two hours".
      await h.ctx.store.db
        .updateTable('work_items')
        .set({ status: 'assigned', advisor_id: me })
        .where('id', '=', itemId)
        .execute();
      const at = new Date(h.clock.now() + 2 * 60 * 60_000).toISOString();
      const place = (body: Record<string, string>) =>
        h.app.inject({
          method: 'POST',
          url: `/api/conversations/${conversationId}/callbacks`,
          headers: { cookie },
          payload: body,
        });
      const placed = await place({ at });
      assert.equal(placed.statusCode, 201, placed.body);
      const answer = json<{ itemId: number; phone: string; dueAt: string }>(placed);
      assert.equal(answer.phone, '+33623000010', "the customer's number by default");
      assert.equal(answer.dueAt, at);
      assert.equal((await item(itemId)).status, 'done', 'the call the advisor was on is done');
      const callback = await item(answer.itemId);
      assert.equal(callback.kind, 'callback');
      assert.equal(callback.channel, 'voice');
      assert.equal(Number(callback.due_at), Date.parse(at));
      assert.equal(Number(callback.created_at), Date.parse(at), 'its place in line starts then');
      assert.equal((await place({ at: '2020-01-01T00:00:00Z' })).statusCode, 422);
      assert.equal((await place({ phone: 'not a number' })).statusCode, 422);
      // Another advisor's team cannot see the case: 404, like a missing one.
      const shop = await h.signIn(h.fixture.people.shopAdvisor.email);
      const hidden = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${conversationId}/callbacks`,
        headers: { cookie: shop },
        payload: { at },
      });
      assert.equal(hidden.statusCode, 404, hidden.body);

      await presence('available');
      assert.deepEqual((await round()).offers, [], 'not offered before it is due');
      h.clock.advance(2 * 60 * 60_000);
      assert.deepEqual(
        (await round()).offers.map((o) => Number(o.itemId)),
        [answer.itemId],
        'offered once due',
      );
      const before = rest.requests.length;
      const accepted = await h.app.inject({
        method: 'POST',
        url: `/api/routing/work-items/${answer.itemId}/accept`,
        headers: { cookie },
      });
      assert.ok(accepted.statusCode < 300, accepted.body);
      await autoCalls.idle();
      const job = await h.ctx.store.db
        .selectFrom('jobs')
        .selectAll()
        .where('type', '=', callJobType)
        .where('key', 'like', `callback-call:${answer.itemId}:%`)
        .executeTakeFirstOrThrow();
      await runJob(job.id);
      assert.equal(rest.requests.length, before + 1, 'the call was placed');
      assert.equal(rest.requests.at(-1)!.get('To'), '+33623000010');
      await presence('offline');
    });

    test('answered by a person: the attempt is recorded and the callback is done', async () => {
      const itemId = await inbound('+33623000020');
      const outbound = await callBack(itemId);
      await status(outbound, 'ringing', '+33623000020');
      await twilio(`/webhooks/twilio/voice/connect?item=${itemId}`, {
        CallSid: outbound,
        AccountSid: accountSid,
        From: openLine,
        To: '+33623000020',
        Direction: 'outbound-api',
        CallStatus: 'in-progress',
        AnsweredBy: 'human',
      });
      await status(outbound, 'in-progress', '+33623000020');
      await status(outbound, 'completed', '+33623000020', { CallDuration: '95' });
      await status(outbound, 'completed', '+33623000020', { CallDuration: '95' }); // replayed
      assert.equal((await item(itemId)).status, 'done');
      const tried = await attempts(itemId);
      assert.deepEqual(
        tried.map((a) => [a.outcome, Number(a.advisor_id)]),
        [['answered', me]],
        'one attempt however often the report comes',
      );
      const [event] = await eventsOf(itemId, 'callback.attempted');
      assert.equal(JSON.parse(event!.after!).outcome, 'answered');
      assert.ok(event!.conversation_id !== null, 'on the case');
    });

    test('busy or declined: no immediate redial, the callback waits again after a pause, keeping its place', async () => {
      const itemId = await inbound('+33623000030');
      const arrived = await item(itemId);
      const outbound = await callBack(itemId);
      await status(outbound, 'ringing', '+33623000030');
      await status(outbound, 'busy', '+33623000030');
      const waiting = await item(itemId);
      assert.equal(waiting.status, 'waiting');
      assert.equal(waiting.advisor_id, null);
      assert.equal(Number(waiting.due_at), h.clock.now() + busyPauseMs);
      assert.equal(Number(waiting.created_at), Number(arrived.created_at), 'same arrival');
      assert.equal(Number(waiting.deadline_at), Number(arrived.deadline_at), 'same deadline');
      await presence('available');
      assert.ok(
        !(await round()).offers.some((o) => Number(o.itemId) === itemId),
        'not offered during the pause',
      );
      // Declined (canceled) counts the same.
      const second = await callBack(itemId);
      await status(second, 'canceled', '+33623000030');
      assert.deepEqual(
        (await attempts(itemId)).map((a) => a.outcome),
        ['busy', 'busy'],
      );
      await presence('offline');
    });

    test('an answering machine is never bridged and counts as no answer: retried with backoff', async () => {
      const itemId = await inbound('+33623000040');
      const outbound = await callBack(itemId);
      const connect = await twilio(`/webhooks/twilio/voice/connect?item=${itemId}`, {
        CallSid: outbound,
        AccountSid: accountSid,
        From: openLine,
        To: '+33623000040',
        Direction: 'outbound-api',
        CallStatus: 'in-progress',
        AnsweredBy: 'machine_end_beep',
      });
      assert.doesNotMatch(connect.body, /<Dial/, 'no advisor bridged to a machine');
      await status(outbound, 'in-progress', '+33623000040');
      await status(outbound, 'completed', '+33623000040', { AnsweredBy: 'machine_end_beep' });
      const waiting = await item(itemId);
      assert.equal(waiting.status, 'waiting', 'not done: nobody was reached');
      assert.equal(Number(waiting.due_at), h.clock.now() + noAnswerBackoffMs[0]!);
      const second = await callBack(itemId);
      await status(second, 'no-answer', '+33623000040');
      assert.equal(
        Number((await item(itemId)).due_at),
        h.clock.now() + noAnswerBackoffMs[1]!,
        'a longer pause after the second try',
      );
      assert.deepEqual(
        (await attempts(itemId)).map((a) => a.outcome),
        ['machine', 'no-answer'],
      );
    });

    test('no answer is retried only within the line’s hours: at its next opening', async () => {
      const itemId = await inbound('+33623000050', thursdayLine);
      assert.equal((await item(itemId)).kind, 'callback');
      const outbound = await callBack(itemId);
      assert.equal(rest.requests.at(-1)!.get('From'), thursdayLine, 'the line the customer called');
      await status(outbound, 'no-answer', '+33623000050', {}, thursdayLine);
      const opening = new Date(h.clock.now());
      // The next Thursday 09:00 UTC after now (the clock is on a Wednesday).
      opening.setUTCDate(opening.getUTCDate() + ((4 - opening.getUTCDay() + 7) % 7 || 7));
      opening.setUTCHours(9, 0, 0, 0);
      assert.equal(Number((await item(itemId)).due_at), opening.getTime());
    });

    test('a wrong number ends the callback as failed with its reason: Twilio’s error, its refusal, or the advisor’s word', async () => {
      // Twilio reports the call failed with an invalid-number error.
      const failed = await inbound('+33623000060');
      const outbound = await callBack(failed);
      await status(outbound, 'failed', '+33623000060', { ErrorCode: '13224' });
      assert.equal((await item(failed)).status, 'withdrawn');
      const [reason] = await eventsOf(failed, 'callback.failed');
      assert.equal(JSON.parse(reason!.after!).reason, 'wrong-number');
      assert.match(JSON.parse(reason!.after!).detail, /13224/);

      // Twilio's Calls API refuses the number (21211): no call, the callback fails, the job stops.
      const refused = await inbound('+33623000061');
      const asked = await h.app.inject({
        method: 'POST',
        url: `/api/callbacks/${refused}/call`,
        headers: { cookie },
      });
      rest.answers.push({
        status: 400,
        body: JSON.stringify({
          code: 21211,
          message: "The 'To' number is not a valid phone number.",
        }),
      });
      await assert.rejects(
        runJob(json<{ jobId: number }>(asked).jobId),
        (error: unknown) => error instanceof JobFailure,
      );
      assert.equal((await item(refused)).status, 'withdrawn');
      assert.deepEqual(
        (await attempts(refused)).map((a) => a.outcome),
        ['wrong-number'],
      );

      // The advisor marks it.
      const marked = await inbound('+33623000062');
      const mark = await h.app.inject({
        method: 'POST',
        url: `/api/callbacks/${marked}/wrong-number`,
        headers: { cookie },
        payload: { note: 'a fax machine' },
      });
      assert.equal(mark.statusCode, 200, mark.body);
      assert.equal((await item(marked)).status, 'withdrawn');
      assert.equal((await attempts(marked))[0]!.detail, 'a fax machine');
      const again = await h.app.inject({
        method: 'POST',
        url: `/api/callbacks/${marked}/wrong-number`,
        headers: { cookie },
        payload: {},
      });
      assert.equal(again.statusCode, 409, again.body);
    });

    test('after three unanswered tries the callback gives up, and the case says so', async () => {
      const itemId = await inbound('+33623000070');
      for (let n = 1; n <= 3; n++) {
        const outbound = await callBack(itemId);
        await status(outbound, 'no-answer', '+33623000070');
        assert.equal((await item(itemId)).status, n < 3 ? 'waiting' : 'withdrawn', `try ${n}`);
      }
      const [gaveUp] = await eventsOf(itemId, 'callback.gave-up');
      assert.equal(JSON.parse(gaveUp!.after!).attempts, 3);
      assert.equal(Number(gaveUp!.conversation_id), Number((await item(itemId)).conversation_id));
      assert.equal((await eventsOf(itemId, 'callback.attempted')).length, 3);
    });

    // Last: the clock moves on ten minutes, and the sweeper closes every call still ringing.
    test('a callback call that never got its hangup is closed by the sweeper and still counts as a try', async () => {
      const itemId = await inbound('+33623000080');
      const outbound = await callBack(itemId);
      await status(outbound, 'ringing', '+33623000080');
      h.clock.advance(11 * 60_000);
      const settled = await h.ctx.writer.run(async (unit) => {
        await sweepCalls(unit, { ringingMs: 10 * 60_000, openMs: 4 * 60 * 60_000 });
        return settleEndedCallbackCalls(unit);
      });
      // This one, and the scheduled callback's call placed earlier that never heard back.
      assert.equal(settled, 2);
      const [tried] = await attempts(itemId);
      assert.equal(tried!.outcome, 'no-answer');
      assert.match(tried!.detail!, /sweeper/);
      const waiting = await item(itemId);
      assert.equal(waiting.status, 'waiting');
      assert.equal(Number(waiting.due_at), h.clock.now() + noAnswerBackoffMs[0]!);
      assert.equal(
        await h.ctx.writer.run((unit) => settleEndedCallbackCalls(unit)),
        0,
        'once per call',
      );
    });
  });
}
