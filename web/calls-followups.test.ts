import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { createChannelAccount } from '../src/channels/channel-accounts.ts';
import { storedAccounts } from '../src/channels/send-queue.ts';
import { linkCall, moveCall, openCall } from '../src/channels/twilio/calls.ts';
import {
  queueRecordingFetch,
  recordingJobs,
  recordingJobType,
} from '../src/channels/twilio/recordings.ts';

const accountSid = 'AC55555555555555555555555555555555';

/** Half a second of a 440 Hz tone as a WAV file: something Chromium's audio player really plays. */
function toneWav(): Buffer {
  const rate = 8000;
  const samples = rate / 2;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/**
 * What follows a call, in Chromium: a missed call's one-click "Call back", a voicemail fetched from
 * (a stand-in for) Twilio and played in the desk's audio player, a callback's try on the timeline,
 * and a call's entry kept current in another open tab as it is wrapped up and moves on.
 */
describe('what follows a call, on the desk in Chromium', { timeout: 90_000 }, () => {
  let h: DeskHarness;
  let advisor: Page;
  let rest: http.Server;
  let restUrl: string;
  let sequence = 0;
  const wav = toneWav();

  before(async () => {
    rest = http.createServer((request, response) => {
      if (request.method === 'GET' && request.url?.includes('/Recordings/'))
        response.writeHead(200, { 'content-type': 'audio/wav' }).end(wav);
      else response.writeHead(404).end();
    });
    rest.listen(0, '127.0.0.1');
    await once(rest, 'listening');
    restUrl = `http://127.0.0.1:${(rest.address() as AddressInfo).port}`;
    h = await startDeskHarness('calls-followups');
    await h.ctx.writer.run(async (unit) => {
      await createChannelAccount(
        unit,
        createSecretBox(h.ctx.config.secretKey),
        {
          channel: 'voice',
          provider: 'twilio',
          displayName: 'Care line',
          address: '+33100000011',
          teamId: h.teamId,
          settings: { baseUrl: restUrl, accountSid },
          secrets: { authToken: 'a test auth token' },
        },
        systemActor,
      );
      await unit.db
        .insertInto('advisor_lines')
        .values({ advisor_id: h.people.advisor.id, address: '+33100000098', updated_at: unit.now })
        .execute();
      // Twilio's stand-in is on loopback: an admin allowed it.
      await unit.db
        .insertInto('webhook_allow_list')
        .values({ entry: '127.0.0.1/32', created_at: unit.now })
        .execute();
    });
    ({ page: advisor } = await h.openPage({ viewport: { width: 1280, height: 900 } }));
    await h.signIn(advisor, 'advisor');
  });
  after(async () => {
    await h?.close();
    rest?.closeAllConnections();
    await new Promise<void>((resolve) => rest?.close(() => resolve()));
  });

  /** Read in the unit's own transaction: SQLite's one connection is the writer's while it runs. */
  const callRow = (unit: { db: DeskHarness['ctx']['store']['db'] }, id: number) =>
    unit.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  /** A customer calls and waits on hold; the call is stored as the voice webhook does. */
  async function call(phone: string, name: string) {
    const contact = await h.inbound({ kind: 'call', from: { phone, name }, text: 'Incoming call' });
    await h.ctx.writer.drain();
    const item = await h.ctx.store.db
      .selectFrom('work_items')
      .selectAll()
      .where('conversation_id', '=', contact.conversationId)
      .where('status', 'in', ['waiting', 'offered', 'assigned'])
      .executeTakeFirstOrThrow();
    const accountId = (
      await h.ctx.store.db
        .selectFrom('channel_accounts')
        .select('id')
        .where('address', '=', '+33100000011')
        .executeTakeFirstOrThrow()
    ).id;
    const callId = await h.ctx.writer.run(async (unit) => {
      const opened = await openCall(unit, {
        provider: 'twilio',
        providerCallId: `CA${String(++sequence).padStart(32, '0')}`,
        accountId,
        direction: 'inbound',
        from: phone,
        to: '+33100000011',
        state: 'ringing',
        at: unit.now,
      });
      await linkCall(unit, opened.id, {
        customer_id: contact.customerId,
        conversation_id: contact.conversationId,
        interaction_id: contact.interactionId,
        work_item_id: item.id,
      });
      return opened.id;
    });
    return { ...contact, itemId: item.id, callId };
  }

  test('a missed call is called back with one click, in the caller’s place', async () => {
    const nina = await call('+33612000301', 'Nina Moreau');
    // She hangs up on hold: her wait is withdrawn, the missed call stays on her timeline.
    await h.ctx.writer.run(async (unit) =>
      moveCall(unit, await callRow(unit, nina.callId), { state: 'completed' }, systemActor),
    );
    await advisor.goto(`${h.baseUrl}/desk/c/${nina.conversationId}`);
    const entry = advisor.locator(`.timeline [data-call="${nina.callId}"]`);
    await entry.getByText('missed: hung up while waiting').waitFor();
    await h.shot(advisor, 'missed-call');
    await entry.getByRole('button', { name: 'Call back' }).click();
    await entry
      .getByRole('status')
      .getByText(/Calling \+33612000301: your line rings when they pick up\./)
      .waitFor();
    await h.shot(advisor, 'missed-call-called-back');
    const missed = await h.ctx.store.db
      .selectFrom('work_items')
      .selectAll()
      .where('id', '=', nina.itemId)
      .executeTakeFirstOrThrow();
    const callback = await h.ctx.store.db
      .selectFrom('work_items')
      .selectAll()
      .where('conversation_id', '=', nina.conversationId)
      .where('kind', '=', 'callback')
      .execute();
    assert.equal(callback.length, 1);
    assert.equal(Number(callback[0]!.created_at), Number(missed.created_at), 'her place in line');
    assert.equal(callback[0]!.status, 'assigned', 'put through to the advisor who called');
    const job = await h.ctx.store.db
      .selectFrom('jobs')
      .select('payload')
      .where('type', '=', 'twilio.call')
      .executeTakeFirstOrThrow();
    assert.equal(JSON.parse(job.payload).itemId, callback[0]!.id);
    // Made once: after a reload the entry says so instead of offering it again.
    await advisor.reload();
    await entry.getByText('A callback was made of this missed call.').waitFor();
    assert.equal(await entry.getByRole('button', { name: 'Call back' }).count(), 0);

    // The advisor finds the number is wrong: the try is a line on her timeline.
    const wrong = await advisor.evaluate(
      (id) =>
        fetch(`/api/callbacks/${id}/wrong-number`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ note: 'a fax machine answers' }),
        }).then((r) => r.status),
      Number(callback[0]!.id),
    );
    assert.equal(wrong, 200);
    await advisor.reload();
    await advisor
      .locator('.timeline')
      .getByText(
        'Callback try 1: wrong number (a fax machine answers); the callback ends: the number is wrong.',
      )
      .waitFor();
    await h.shot(advisor, 'callback-try-on-the-timeline');
  });

  test('a voicemail is played in the desk from Rapport’s own copy', async () => {
    const omar = await call('+33612000302', 'Omar Haddad');
    await h.ctx.writer.run(async (unit) => {
      await moveCall(unit, await callRow(unit, omar.callId), { state: 'completed' }, systemActor);
      await queueRecordingFetch(unit, omar.callId, {
        sid: 'RE00000000000000000000000000000302',
        url: `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/RE00000000000000000000000000000302`,
      });
    });
    await advisor.goto(`${h.baseUrl}/desk/c/${omar.conversationId}`);
    const entry = advisor.locator(`.timeline [data-call="${omar.callId}"]`);
    await entry.getByText('The recording is being fetched…').waitFor();
    // The job runs (as serve's workers do); the open entry hears of it and shows the player.
    const job = await h.ctx.store.db
      .selectFrom('jobs')
      .selectAll()
      .where('type', '=', recordingJobType)
      .executeTakeFirstOrThrow();
    await recordingJobs({
      db: h.ctx.store.db,
      writer: h.ctx.writer,
      accounts: storedAccounts(createSecretBox(h.ctx.config.secretKey)),
      now: () => Date.now(),
    }).handlers[recordingJobType]!({
      id: job.id,
      type: job.type,
      payload: JSON.parse(job.payload),
      attempt: 1,
      key: job.key,
    });
    const player = entry.getByLabel('Recording of the call');
    await player.waitFor();
    assert.equal(await player.getAttribute('src'), `/api/calls/${omar.callId}/recording`);
    const duration = await player.evaluate(
      (audio: HTMLAudioElement) =>
        new Promise<number>((resolve, reject) => {
          if (audio.readyState >= 1) resolve(audio.duration);
          audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
          audio.addEventListener('error', () => reject(new Error('the audio did not load')));
        }),
    );
    assert.ok(Math.abs(duration - 0.5) < 0.05, `half a second of audio, got ${duration}`);
    await h.shot(advisor, 'voicemail-player');
  });

  test('another open tab shows the call move on and its wrap-up without a reload', async () => {
    const paul = await call('+33612000303', 'Paul Blanc');
    const { page: other } = await h.openPage({ viewport: { width: 1280, height: 900 } });
    await h.signIn(other, 'supervisor');
    await other.goto(`${h.baseUrl}/desk/c/${paul.conversationId}`);
    await advisor.goto(`${h.baseUrl}/desk/c/${paul.conversationId}`);
    const there = other.locator(`.timeline [data-call="${paul.callId}"]`);
    await there.getByText('ringing').waitFor();
    // The live socket is up in both tabs before anything moves.
    for (const page of [other, advisor]) await page.locator('.live-live').waitFor();
    await h.ctx.writer.run(async (unit) => {
      await moveCall(
        unit,
        await callRow(unit, paul.callId),
        { state: 'in-progress', advisorId: h.people.advisor.id },
        systemActor,
      );
    });
    await h.ctx.writer.run(async (unit) => {
      await moveCall(
        unit,
        await callRow(unit, paul.callId),
        { state: 'completed', durationSeconds: 75 },
        systemActor,
      );
    });
    await there.getByText('1 min 15 s').waitFor();
    const here = advisor.locator(`.timeline [data-call="${paul.callId}"]`);
    const form = here.getByRole('form', { name: 'Wrap up the call' });
    await form.getByLabel('Outcome').selectOption('resolved');
    await form.getByLabel('Notes').fill('New SIM sent today.');
    await form.getByRole('button', { name: 'Save wrap-up' }).click();
    await here.getByText('New SIM sent today.').waitFor();
    // The supervisor's tab, never reloaded.
    await there.getByText('Resolved').waitFor();
    await there.getByText('New SIM sent today.').waitFor();
    await h.shot(other, 'wrap-up-seen-live-in-another-tab');
  });
});
