/**
 * What follows a call, over the running server on SQLite and PostgreSQL, with Twilio's webhooks
 * signed in the test as Twilio signs them and a local HTTP server standing in for Twilio's REST API
 * (the Calls API and the recordings' files): a missed call called back in its place, once; the
 * recordings fetched with the account's credentials through the outbound guard, kept, played and
 * erased; each callback try as a line on the case's timeline; callbacks not yet due counted by
 * nobody; one list of outcomes; two auto-call listeners on one database placing one call.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { createChannelAccount } from '../channel-accounts.ts';
import { storedAccounts } from '../send-queue.ts';
import { createSecretBox } from '../../platform/secrets.ts';
import { systemActor, type DomainEvent } from '../../platform/events/event.ts';
import { inProcessBus } from '../../platform/events/bus.ts';
import { createWriter } from '../../platform/db/writer.ts';
import { JobFailure } from '../../platform/jobs/jobs.ts';
import { setCapacity, setPresence } from '../../routing/presence.ts';
import { dispatchWork } from '../../routing/dispatch-round.ts';
import {
  callbackAttemptOutcomes,
  callOutcomeLabels,
  callOutcomes,
  wrapUpOutcomes,
  type CallDetails,
  type Interaction,
} from '../../api-types/conversations.ts';
import type { Wall } from '../../api-types/insights.ts';
import { twilioSignature } from './twilio-signature.ts';
import { callbackCallJobs, callJobType, startCallbackAutoCalls } from './callback-calls.ts';
import { outcomeOf } from './callback-outcomes.ts';
import { recordingJobs, recordingJobType } from './recordings.ts';

const token = 'test-auth-token-followups-0123456';
const publicUrl = 'https://care.example.com';
const accountSid = 'AC33333333333333333333333333333333';
const line = '+33140000500';
const advisorLine = '+33612000012';

let sequence = 0;
const sid = (prefix: string) =>
  `${prefix}${crypto.createHash('md5').update(`${Date.now()}-${++sequence}`).digest('hex')}`;

/** A recording's bytes as the stand-in serves them (an MP3 frame header, then noise). */
const audio = Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), crypto.randomBytes(40_000)]);

/** Stands in for Twilio's REST API: the Calls API (POST) and recordings' files (GET). */
async function startTwilioRest() {
  const posts: URLSearchParams[] = [];
  const gets: { path: string; authorization: string | undefined }[] = [];
  const recordings = new Map<string, { status: number; body: Buffer }>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      if (request.method === 'GET') {
        gets.push({ path: request.url ?? '', authorization: request.headers.authorization });
        const found = recordings.get(request.url ?? '');
        if (!found) {
          response
            .writeHead(404, { 'content-type': 'application/json' })
            .end('{"code":20404,"message":"not found"}');
          return;
        }
        response.writeHead(found.status, { 'content-type': 'audio/mpeg' }).end(found.body);
        return;
      }
      posts.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      response
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sid: sid('CA'), status: 'queued' }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    gets,
    recordings,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('one list of outcomes: the wrap-up’s and a callback try’s are both taken from it, each with its label', () => {
  for (const outcome of [...wrapUpOutcomes, ...callbackAttemptOutcomes])
    assert.ok(callOutcomes.includes(outcome), outcome);
  for (const outcome of callOutcomes) assert.ok(callOutcomeLabels[outcome].length > 0, outcome);
  assert.deepEqual(
    [...new Set([...wrapUpOutcomes, ...callbackAttemptOutcomes])].sort(),
    [...callOutcomes].sort(),
    'every outcome is used somewhere',
  );
  // What a callback call's status reads as is always one of the list's try outcomes.
  for (const status of ['completed', 'busy', 'canceled', 'no-answer', 'failed'])
    for (const answeredBy of ['', 'human', 'machine_end_beep', 'fax'])
      for (const errorCode of ['', '13224', '31005'])
        assert.ok(
          callbackAttemptOutcomes.includes(
            outcomeOf(status, { outcome: 'callback-call' }, answeredBy, errorCode),
          ),
        );
});

for (const database of await testDatabases()) {
  describe(`what follows a call on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let rest: Awaited<ReturnType<typeof startTwilioRest>>;
    let cookie: string;
    let me: number;

    before(async () => {
      rest = await startTwilioRest();
      h = await startHarness(await database.open(), { gateway: true, config: { publicUrl } });
      me = h.fixture.people.advisor.id;
      cookie = await h.signIn(h.fixture.people.advisor.email);
      await h.ctx.writer.run((unit) =>
        createChannelAccount(
          unit,
          createSecretBox(h.ctx.config.secretKey),
          {
            channel: 'voice',
            provider: 'twilio',
            displayName: 'Follow-up line',
            address: line,
            teamId: h.fixture.teams.care,
            settings: { baseUrl: rest.url, accountSid },
            secrets: { authToken: token },
          },
          systemActor,
        ),
      );
      const set = await h.app.inject({
        method: 'PUT',
        url: `/api/advisors/${me}/line`,
        headers: { cookie },
        payload: { address: advisorLine },
      });
      assert.equal(set.statusCode, 200, set.body);
    });
    after(async () => {
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
    const callRow = (callSid: string) =>
      h.ctx.store.db
        .selectFrom('calls')
        .selectAll()
        .where('provider_call_id', '=', callSid)
        .executeTakeFirstOrThrow();
    const round = () => h.ctx.writer.run((unit) => dispatchWork(unit, h.ctx.store.dialect));
    const presence = (state: 'available' | 'offline') =>
      h.ctx.writer.run(async (unit) => {
        await setPresence(unit, me, state, systemActor);
        await setCapacity(unit, me, { voice: 1 }, systemActor);
      });
    const asAdvisor = (method: 'GET' | 'POST', url: string, who = cookie) =>
      h.app.inject({ method, url, headers: { cookie: who } });

    /** A customer calls in and waits on hold; answers the CallSid, the call's TwiML and its item. */
    const inbound = async (from: string, press = false) => {
      const callSid = sid('CA');
      const answer = await twilio('/webhooks/twilio/voice', {
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
      const call = await callRow(callSid);
      return { callSid, twiml: answer.body, itemId: Number(call.work_item_id), callId: call.id };
    };
    /** The caller hangs up (Twilio's terminal status callback for their call). */
    const hangUp = (callSid: string, from: string) =>
      twilio('/webhooks/twilio/voice/status', {
        CallSid: callSid,
        AccountSid: accountSid,
        From: from,
        To: line,
        Direction: 'inbound',
        CallStatus: 'completed',
        CallDuration: '42',
      });
    const runJob = async (type: string, key: string) => {
      const job = await h.ctx.store.db
        .selectFrom('jobs')
        .selectAll()
        .where('type', '=', type)
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      const accounts = storedAccounts(createSecretBox(h.ctx.config.secretKey));
      const handler =
        type === callJobType
          ? callbackCallJobs({
              db: h.ctx.store.db,
              writer: h.ctx.writer,
              accounts,
              publicUrl,
              now: () => h.clock.now(),
            })[callJobType]!
          : recordingJobs({
              db: h.ctx.store.db,
              writer: h.ctx.writer,
              accounts,
              now: () => h.clock.now(),
            }).handlers[recordingJobType]!;
      try {
        await handler({
          id: job.id,
          type: job.type,
          payload: JSON.parse(job.payload),
          attempt: 1,
          key: job.key,
        });
      } finally {
        await h.ctx.store.db
          .updateTable('jobs')
          .set({ state: 'done' })
          .where('id', '=', job.id)
          .execute();
      }
    };

    test('a missed call is called back in the caller’s place: one callback however often “Call back” is pressed', async () => {
      const early = await inbound('+33624000001');
      h.clock.advance(60_000);
      const later = await inbound('+33624000002');
      await hangUp(early.callSid, '+33624000001');
      assert.equal((await item(early.itemId)).status, 'withdrawn', 'hung up on hold');

      // The wrap-up takes the list's wrap-up outcomes only: a callback try's own are refused.
      for (const outcome of ['answered', 'busy', 'machine']) {
        const refused = await h.app.inject({
          method: 'POST',
          url: `/api/calls/${early.callId}/wrap-up`,
          headers: { cookie },
          payload: { outcome, notes: '', hard: false },
        });
        assert.equal(refused.statusCode, 400, `${outcome}: ${refused.body}`);
      }
      const shown = json<CallDetails>(await asAdvisor('GET', `/api/calls/${early.callId}`));
      assert.equal(shown.missed, true);
      assert.equal(shown.callbackItemId, null);
      // A call still waiting is not missed and is not called back this way.
      assert.equal(
        json<CallDetails>(await asAdvisor('GET', `/api/calls/${later.callId}`)).missed,
        false,
      );
      const notYet = await asAdvisor('POST', `/api/calls/${later.callId}/callback`);
      assert.equal(notYet.statusCode, 409, notYet.body);
      // Another team's advisor does not see the call at all.
      const shop = await h.signIn(h.fixture.people.shopAdvisor.email);
      assert.equal(
        (await asAdvisor('POST', `/api/calls/${early.callId}/callback`, shop)).statusCode,
        404,
      );

      // Pressed twice at once, then again: one callback.
      const [first, second] = await Promise.all([
        asAdvisor('POST', `/api/calls/${early.callId}/callback`),
        asAdvisor('POST', `/api/calls/${early.callId}/callback`),
      ]);
      const third = await asAdvisor('POST', `/api/calls/${early.callId}/callback`);
      assert.deepEqual(
        [first.statusCode, second.statusCode, third.statusCode].sort(),
        [200, 200, 201],
      );
      const made = json<{ itemId: number; phone: string; since: string }>(first);
      for (const r of [second, third])
        assert.equal(json<{ itemId: number }>(r).itemId, made.itemId);
      const callbacks = await h.ctx.store.db
        .selectFrom('work_items')
        .select('id')
        .where('conversation_id', '=', (await item(early.itemId)).conversation_id)
        .where('kind', '=', 'callback')
        .execute();
      assert.equal(callbacks.length, 1);
      const callback = await item(made.itemId);
      const missed = await item(early.itemId);
      assert.equal(callback.callback_number, '+33624000001');
      assert.equal(
        Number(callback.created_at),
        Number(missed.created_at),
        'the missed call’s place',
      );
      assert.equal(Number(callback.deadline_at), Number(missed.deadline_at));
      assert.equal(made.since, new Date(Number(missed.created_at)).toISOString());
      assert.equal(
        json<CallDetails>(await asAdvisor('GET', `/api/calls/${early.callId}`)).callbackItemId,
        made.itemId,
      );
      // FIFO is fair: the callback arrived before the caller still on hold and is offered first.
      await presence('available');
      assert.deepEqual(
        (await round()).offers.map((o) => Number(o.itemId)),
        [made.itemId],
      );
      await presence('offline');
      await h.ctx.store.db
        .updateTable('work_items')
        .set({ status: 'withdrawn', advisor_id: null })
        .where('id', 'in', [made.itemId, later.itemId])
        .execute();
    });

    test('a voicemail is fetched with the account’s credentials through the outbound guard, kept, played to those who may see the case, and erased with the customer', async () => {
      const caller = '+33624000010';
      const { callSid, callId } = await inbound(caller);
      const recordingSid = sid('RE');
      await twilio('/webhooks/twilio/voice/recording', {
        CallSid: callSid,
        AccountSid: accountSid,
        From: caller,
        To: line,
        RecordingSid: recordingSid,
        RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}`,
        RecordingDuration: '12',
      });
      const key = `twilio-recording:${recordingSid}`;
      assert.equal((await callRow(callSid)).recording_state, 'pending');
      const pending = json<CallDetails>(await asAdvisor('GET', `/api/calls/${callId}`));
      assert.equal(pending.recordingState, 'pending');
      assert.equal(pending.recordingUrl, null, 'never Twilio’s address, which needs credentials');

      // Twilio's base URL is on loopback here: the guard refuses it until an admin allows it.
      await assert.rejects(runJob(recordingJobType, key), (e: unknown) => e instanceof JobFailure);
      assert.equal(rest.gets.length, 0, 'nothing was fetched');
      assert.equal((await callRow(callSid)).recording_state, 'failed');

      const admin = await h.signIn(h.fixture.people.admin.email);
      const allowed = await h.app.inject({
        method: 'PUT',
        url: '/api/admin/webhook-allow-list',
        headers: { cookie: admin },
        payload: { entries: ['127.0.0.1/32'] },
      });
      assert.equal(allowed.statusCode, 200, allowed.body);
      // Twilio announces it again (a retry of its callback): fetched now, but not there yet (404).
      await h.ctx.store.db
        .updateTable('calls')
        .set({ recording_sid: null })
        .where('id', '=', callId)
        .execute();
      await h.ctx.store.db.deleteFrom('jobs').where('key', '=', key).execute();
      await twilio('/webhooks/twilio/voice/recording', {
        CallSid: callSid,
        AccountSid: accountSid,
        From: caller,
        To: line,
        RecordingSid: recordingSid,
        RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}`,
        RecordingDuration: '12',
      });
      await assert.rejects(
        runJob(recordingJobType, key),
        (e: unknown) => e instanceof JobFailure && e.retry === 'later',
      );
      const path = `/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}.mp3`;
      rest.recordings.set(path, { status: 200, body: audio });
      await runJob(recordingJobType, key);
      const fetched = rest.gets.at(-1)!;
      assert.equal(fetched.path, path);
      assert.equal(
        fetched.authorization,
        `Basic ${Buffer.from(`${accountSid}:${token}`).toString('base64')}`,
      );
      const stored = json<CallDetails>(await asAdvisor('GET', `/api/calls/${callId}`));
      assert.equal(stored.recordingState, 'stored');
      assert.equal(stored.recordingUrl, `/api/calls/${callId}/recording`);
      const played = await asAdvisor('GET', stored.recordingUrl);
      assert.equal(played.statusCode, 200);
      assert.equal(played.headers['content-type'], 'audio/mpeg');
      assert.deepEqual(played.rawPayload, audio);
      const ranged = await h.app.inject({
        method: 'GET',
        url: stored.recordingUrl,
        headers: { cookie, range: 'bytes=0-3' },
      });
      assert.equal(ranged.statusCode, 206);
      assert.deepEqual(ranged.rawPayload, audio.subarray(0, 4));
      const shop = await h.signIn(h.fixture.people.shopAdvisor.email);
      assert.equal((await asAdvisor('GET', stored.recordingUrl, shop)).statusCode, 404);
      // The voicemail's timeline entry points at the kept file, no longer at Twilio.
      const call = await callRow(callSid);
      const voicemail = await h.ctx.store.db
        .selectFrom('interactions')
        .select('attachments')
        .where('provider_id', '=', recordingSid)
        .executeTakeFirstOrThrow();
      const [attachment] = JSON.parse(voicemail.attachments) as { id?: string; url?: string }[];
      assert.equal(attachment!.id, call.recording_sha256);
      assert.equal(attachment!.url, undefined);

      // Erased with the customer: the file, its hash and Twilio's address go.
      const erased = await h.app.inject({
        method: 'POST',
        url: `/api/customers/${call.customer_id}/erase`,
        headers: { cookie: admin },
      });
      assert.equal(erased.statusCode, 204, erased.body);
      const blob = await h.ctx.store.db
        .selectFrom('blobs')
        .select('sha256')
        .where('sha256', '=', call.recording_sha256!)
        .executeTakeFirst();
      assert.equal(blob, undefined, 'the recording’s bytes are gone');
      const after = await callRow(callSid);
      assert.deepEqual(
        [after.recording_url, after.recording_sha256, after.recording_state],
        [null, null, null],
      );
      assert.equal((await asAdvisor('GET', `/api/calls/${callId}/recording`)).statusCode, 404);
      // A fetch still queued from before the erasure finds nothing to fetch.
      const before = rest.gets.length;
      await h.ctx.store.db
        .updateTable('jobs')
        .set({ state: 'queued' })
        .where('key', '=', key)
        .execute();
      await runJob(recordingJobType, key);
      assert.equal(rest.gets.length, before);
      // The voicemail made the call a callback: out of the way of the next tests.
      await h.ctx.store.db
        .updateTable('work_items')
        .set({ status: 'withdrawn', advisor_id: null })
        .where('conversation_id', '=', call.conversation_id!)
        .execute();
    });

    test('each callback try is a short line on the case’s timeline', async () => {
      const caller = '+33624000020';
      const { itemId } = await inbound(caller, true);
      const callBack = async () => {
        const asked = await asAdvisor('POST', `/api/callbacks/${itemId}/call`);
        assert.equal(asked.statusCode, 202, asked.body);
        const job = await h.ctx.store.db
          .selectFrom('jobs')
          .select('key')
          .where('id', '=', json<{ jobId: number }>(asked).jobId)
          .executeTakeFirstOrThrow();
        await runJob(callJobType, job.key!);
        const outbound = await h.ctx.store.db
          .selectFrom('calls')
          .select('provider_call_id')
          .where('work_item_id', '=', itemId)
          .where('direction', '=', 'outbound')
          .orderBy('id', 'desc')
          .executeTakeFirstOrThrow();
        return outbound.provider_call_id;
      };
      const status = (callSid: string, callStatus: string) =>
        twilio('/webhooks/twilio/voice/status', {
          CallSid: callSid,
          AccountSid: accountSid,
          From: line,
          To: caller,
          Direction: 'outbound-api',
          CallStatus: callStatus,
        });
      await status(await callBack(), 'busy');
      h.clock.advance(16 * 60_000);
      await status(await callBack(), 'no-answer');
      const conversationId = Number((await item(itemId)).conversation_id);
      const timeline = json<{ items: Interaction[] }>(
        await asAdvisor('GET', `/api/conversations/${conversationId}/interactions`),
      ).items;
      const lines = timeline.filter((i) => i.kind === 'note' && i.automated).map((i) => i.text);
      assert.equal(lines.length, 2, JSON.stringify(lines));
      assert.match(lines[0]!, /^Callback try 1: busy or declined; tried again from .+ UTC\.$/);
      assert.match(lines[1]!, /^Callback try 2: no answer; tried again from /);
      const [event] = await h.ctx.store.db
        .selectFrom('events')
        .select('after')
        .where('type', '=', 'callback.attempted')
        .where('entity_id', '=', itemId)
        .orderBy('id')
        .execute();
      assert.equal(
        JSON.parse(event!.after!).interactionId,
        timeline.find((i) => i.text === lines[0])!.id,
      );
      await h.ctx.store.db
        .updateTable('work_items')
        .set({ status: 'withdrawn', advisor_id: null })
        .where('id', '=', itemId)
        .execute();
    });

    test('a callback not yet due is ahead of nobody: not in the caller’s spoken place, not on the wall', async () => {
      // A callback from earlier, held back after a busy line (its place is old, its due time later).
      const held = await inbound('+33624000030', true);
      await h.ctx.store.db
        .updateTable('work_items')
        .set({ due_at: h.clock.now() + 15 * 60_000 })
        .where('id', '=', held.itemId)
        .execute();
      h.clock.advance(1_000);
      const caller = await inbound('+33624000031');
      assert.match(caller.twiml, /You are next\./, caller.twiml);
      const supervisor = await h.signIn(h.fixture.people.supervisor.email);
      const wall = json<Wall>(await asAdvisor('GET', '/api/insights/wall', supervisor));
      assert.ok(
        !wall.callbacks.oldest.some((c) => c.workItemId === held.itemId),
        'the wall does not count it yet',
      );
      const waitingBefore = wall.callbacks.waiting;
      const voiceWaiting = (w: Wall) => w.channels.find((c) => c.channel === 'voice')!.waiting;
      // The desk's list still shows it, saying when it may be called.
      const due = json<{ items: { id: number; dueAt: string | null }[] }>(
        await asAdvisor('GET', '/api/callbacks'),
      ).items.find((c) => c.id === held.itemId);
      assert.equal(due?.dueAt, new Date(h.clock.now() + 14 * 60_000 + 59_000).toISOString());
      // Once due it counts, in its old place.
      h.clock.advance(15 * 60_000);
      const later = json<Wall>(await asAdvisor('GET', '/api/insights/wall', supervisor));
      assert.equal(later.callbacks.waiting, waitingBefore + 1);
      assert.equal(
        voiceWaiting(later),
        voiceWaiting(wall) + 1,
        'nor among the voice channel’s waiting until then',
      );
      const next = await inbound('+33624000032');
      assert.match(next.twiml, /You are number 3 in the queue\./, next.twiml);
      await h.ctx.store.db
        .updateTable('work_items')
        .set({ status: 'withdrawn', advisor_id: null })
        .where('id', 'in', [held.itemId, caller.itemId, next.itemId])
        .execute();
    });

    test('two servers’ auto-call listeners on one database: an accepted callback is called once, even when one hears of it late', async () => {
      // The second node: its own writer (and, on PostgreSQL, its own pool) and its own bus, which
      // hears what the first node's bus carries, as nodes do over NATS.
      const otherStore = database.reopen(h.ctx.store);
      const otherDb = otherStore?.db ?? h.ctx.store.db;
      const otherBus = inProcessBus();
      const otherWriter = createWriter(otherDb, otherBus, h.clock);
      const logger = pino({ level: 'silent' });
      let relay = true;
      const heard: DomainEvent[] = [];
      const stopRelay = h.ctx.bus.subscribe((event) => {
        if (event.type === 'work-item.accepted') heard.push(event);
        if (relay) void otherBus.publish([event]);
      });
      const first = startCallbackAutoCalls(h.ctx);
      const second = startCallbackAutoCalls({
        bus: otherBus,
        writer: otherWriter,
        store: { db: otherDb },
        logger,
      });
      try {
        const jobsOf = (itemId: number) =>
          h.ctx.store.db
            .selectFrom('jobs')
            .select(['key', 'state'])
            .where('type', '=', callJobType)
            .where('key', 'like', `callback-call:${itemId}:%`)
            .execute();
        const accept = async (itemId: number) => {
          await presence('available');
          assert.ok((await round()).offers.some((o) => Number(o.itemId) === itemId));
          const accepted = await asAdvisor('POST', `/api/routing/work-items/${itemId}/accept`);
          assert.ok(accepted.statusCode < 300, accepted.body);
          await h.ctx.writer.drain();
          await first.idle();
          await second.idle();
          await otherWriter.drain();
        };
        // Both hear the acceptance at once.
        const both = await inbound('+33624000040', true);
        await accept(both.itemId);
        assert.equal((await jobsOf(both.itemId)).length, 1, 'one call placed');
        await h.ctx.store.db
          .updateTable('work_items')
          .set({ status: 'done' })
          .where('id', '=', both.itemId)
          .execute();

        // The second hears it only after the first node's call was placed and finished.
        relay = false;
        const late = await inbound('+33624000041', true);
        await accept(late.itemId);
        const [job] = await jobsOf(late.itemId);
        await runJob(callJobType, job!.key!);
        const event = heard.findLast((e) => e.entity.id === late.itemId)!;
        await otherBus.publish([event]);
        await second.idle();
        await otherWriter.drain();
        assert.deepEqual(
          (await jobsOf(late.itemId)).map((j) => j.state),
          ['done'],
          'the late hearing rings nobody',
        );
        assert.equal(
          rest.posts.filter((p) => p.get('To') === '+33624000041').length,
          1,
          'Twilio was asked for one call',
        );
        await presence('offline');
      } finally {
        first.stop();
        second.stop();
        stopRelay();
        await otherStore?.close();
      }
    });
  });
}
