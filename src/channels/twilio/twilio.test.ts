/**
 * Twilio, both channels, over the running server on SQLite and PostgreSQL: requests signed in the
 * tests with a test auth token exactly as Twilio signs them (HMAC-SHA1 over the public URL and the
 * sorted form parameters), TwiML read element by element, a local HTTP server standing in for
 * Twilio's REST API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { json, startHarness, gatewaySecret, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { runAdapterContract, type DeliveryAnswer } from '../adapter-contract.ts';
import type { AdapterAccount } from '../adapter.ts';
import { createChannelAccount } from '../channel-accounts.ts';
import { storedAccounts } from '../send-queue.ts';
import { createSecretBox } from '../../platform/secrets.ts';
import { systemActor } from '../../platform/events/event.ts';
import { signatureHeader } from '../../platform/net/signature.ts';
import { setCapacity, setPresence } from '../../routing/presence.ts';
import { buildServer } from '../../server.ts';
import { loadConfig } from '../../platform/config.ts';
import { createTwilioAdapter, verifyTwilio } from './twilio-adapter.ts';
import { twilioSignature, publicUrlOf } from './twilio-signature.ts';
import { checkTwilioAccounts } from './twilio-accounts.ts';
import { sweepCalls } from './calls.ts';
import { callbackCallJobs, callJobType } from './callback-calls.ts';
import type { Interaction } from '../../api-types/conversations.ts';

const token = 'test-auth-token-0123456789abcdef';
const publicUrl = 'https://care.example.com';
const accountSid = 'AC11111111111111111111111111111111';
const smsNumber = '+33140000200';
const voiceNumber = '+33140000300';
const closedNumber = '+33140000301';
const rapportRepliesNumber = '+33140000202';

// --- TwiML, read as a tree ----------------------------------------------------------------------

interface Element {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: Element[];
  text: string;
}

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** A small reader for the TwiML we write (elements, attributes, text; no CDATA, no comments). */
function readTwiml(xml: string): Element {
  const body = xml.replace(/^<\?xml[^>]*\?>/, '');
  const root: Element = { name: '#root', attributes: {}, children: [], text: '' };
  const stack: Element[] = [root];
  const tag = /<(\/?)([A-Za-z]+)((?:\s+[A-Za-z]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  for (const m of body.matchAll(tag)) {
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) {
      top.text += unescape(m[5]);
      continue;
    }
    if (m[1] === '/') {
      assert.equal(stack.pop()!.name, m[2], 'TwiML is well nested');
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const a of m[3]!.matchAll(/([A-Za-z]+)="([^"]*)"/g)) attributes[a[1]!] = unescape(a[2]!);
    const element: Element = { name: m[2]!, attributes, children: [], text: '' };
    top.children.push(element);
    if (m[4] !== '/') stack.push(element);
  }
  assert.equal(stack.length, 1, 'every TwiML element is closed');
  assert.equal(root.children.length, 1);
  assert.equal(root.children[0]!.name, 'Response');
  return root.children[0]!;
}

const names = (element: Element) => element.children.map((c) => c.name);

// --- A stand-in for Twilio's REST API -----------------------------------------------------------

interface RestRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly form: URLSearchParams;
}

async function startTwilioRest() {
  const requests: RestRequest[] = [];
  const answers: { status: number; body: string; headers?: Record<string, string> }[] = [];
  let sids = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        authorization: request.headers.authorization,
        form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
      });
      const answer = answers.shift() ?? {
        status: 201,
        body: JSON.stringify({ sid: `SM${String(++sids).padStart(32, '0')}`, status: 'queued' }),
      };
      response
        .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
        .end(answer.body);
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

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let sequence = 0;
const sid = (prefix: string) =>
  `${prefix}${crypto.createHash('md5').update(`${Date.now()}-${++sequence}`).digest('hex')}`;

for (const database of await testDatabases()) {
  describe(`Twilio SMS and voice on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let rest: Awaited<ReturnType<typeof startTwilioRest>>;
    let advisor: string;
    const ids = {} as Record<'sms' | 'rapportSms' | 'voice' | 'closed', number>;
    let smsAccount: AdapterAccount;

    before(async () => {
      rest = await startTwilioRest();
      h = await startHarness(await database.open(), { gateway: true, config: { publicUrl } });
      advisor = await h.signIn(h.fixture.people.advisor.email);
      const box = createSecretBox(h.ctx.config.secretKey);
      const settings = { baseUrl: rest.url, accountSid };
      // Closed every day but today's weekday... and open tomorrow at 09:00 (UTC).
      const today = new Date(h.clock.now()).getUTCDay() || 7;
      const hours = [1, 2, 3, 4, 5, 6, 7]
        .filter((d) => d !== today)
        .map((weekday) => ({ weekday, opens: '09:00', closes: '18:00' }));
      await h.ctx.writer.run(async (unit) => {
        const add = async (
          channel: 'sms' | 'voice',
          displayName: string,
          address: string,
          extra: Record<string, string | boolean> = {},
        ) =>
          (
            await createChannelAccount(
              unit,
              box,
              {
                channel,
                provider: 'twilio',
                displayName,
                address,
                teamId: h.fixture.teams.care,
                settings: { ...settings, ...extra },
                secrets: { authToken: token },
              },
              systemActor,
            )
          ).id;
        ids.sms = await add('sms', 'Care texts', smsNumber);
        ids.rapportSms = await add('sms', 'Care texts (our replies)', rapportRepliesNumber, {
          optOutReplies: 'rapport',
        });
        ids.voice = await add('voice', 'Care line', voiceNumber);
        ids.closed = await add('voice', 'Night line', closedNumber, {
          hours: JSON.stringify(hours),
          timeZone: 'UTC',
        });
      });
      smsAccount = (await storedAccounts(box).byId(h.ctx.store.db, ids.sms))!;
    });
    after(async () => {
      await h.close();
      await rest.close();
    });

    /** POSTs a form to a Twilio route, signed as Twilio signs it (unless told otherwise). */
    const twilio = async (
      path: string,
      params: Record<string, string>,
      sign: { token?: string; url?: string; none?: boolean; app?: FastifyInstance } = {},
      headers: Record<string, string> = {},
      remoteAddress?: string,
    ) => {
      const signature = twilioSignature(
        sign.token ?? token,
        sign.url ?? `${publicUrl}${path}`,
        params,
      );
      const response = await (sign.app ?? h.app).inject({
        method: 'POST',
        url: path,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(sign.none ? {} : { 'x-twilio-signature': signature }),
          ...headers,
        },
        payload: new URLSearchParams(params).toString(),
        ...(remoteAddress ? { remoteAddress } : {}),
      });
      return response;
    };
    const text = (
      params: { sid?: string; from: string; body: string; to?: string } & Record<string, string>,
    ) => {
      const { sid: messageSid, from, body, to, ...more } = params;
      return twilio('/webhooks/twilio/sms', {
        MessageSid: messageSid ?? sid('SM'),
        AccountSid: accountSid,
        From: from,
        To: to ?? smsNumber,
        Body: body,
        NumMedia: '0',
        ...more,
      });
    };
    const stored = (providerId: string) =>
      h.ctx.store.db
        .selectFrom('interactions')
        .selectAll()
        .where('provider', '=', 'twilio')
        .where('provider_id', '=', providerId)
        .execute();
    const customerMessages = async () =>
      Number(
        (
          await h.ctx.store.db
            .selectFrom('interactions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('direction', '=', 'inbound')
            .where('automated', '=', 0)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const answerOf = (r: Awaited<ReturnType<typeof twilio>>): DeliveryAnswer => ({
      status: r.statusCode,
      interactionId: r.headers['rapport-interaction-id']
        ? Number(r.headers['rapport-interaction-id'])
        : undefined,
      duplicate: r.headers['rapport-duplicate']
        ? r.headers['rapport-duplicate'] === 'true'
        : undefined,
      automated: r.headers['rapport-automated']
        ? r.headers['rapport-automated'] === 'true'
        : undefined,
    });
    const consentOf = async (customerId: number) =>
      json<{ consent: { sms: boolean } }>(
        await h.app.inject({ url: `/api/customers/${customerId}`, headers: { cookie: advisor } }),
      ).consent;
    const customerOf = async (interactionId: number) =>
      Number(
        (
          await h.ctx.store.db
            .selectFrom('interactions')
            .select('customer_id')
            .where('id', '=', interactionId)
            .executeTakeFirstOrThrow()
        ).customer_id,
      );

    describe('the adapter contract (SMS)', () => {
      runAdapterContract(() => ({
        adapter: createTwilioAdapter({
          db: h.ctx.store.db,
          writer: h.ctx.writer,
          now: () => h.clock.now(),
          publicUrl,
        }),
        deliverContact: async (id, signature) =>
          answerOf(
            await twilio(
              '/webhooks/twilio/sms',
              {
                MessageSid: id,
                AccountSid: accountSid,
                From: '+33612345678',
                To: smsNumber,
                Body: 'Where is my parcel?',
                NumMedia: '0',
              },
              signature === 'bad' ? { token: 'not-the-token' } : {},
            ),
          ),
        // Our own number texting us (a loop between two systems): never a customer's message.
        deliverEcho: async (id) =>
          answerOf(await text({ sid: id, from: smsNumber, body: 'Your parcel is on its way' })),
        storedWith: async (id) => (await stored(id)).length,
        customerMessages,
        accountFor: (baseUrl) => ({ ...smsAccount, settings: { baseUrl, accountSid } }),
        success: {
          status: 201,
          body: JSON.stringify({ sid: 'SM77', status: 'queued' }),
          providerId: 'SM77',
        },
      }));
    });

    describe('signatures', () => {
      test('unsigned, wrongly signed or tampered requests are refused with 401 and store nothing', async () => {
        const before = await customerMessages();
        const params = {
          MessageSid: sid('SM'),
          AccountSid: accountSid,
          From: '+33611000001',
          To: smsNumber,
          Body: 'Hello',
        };
        const unsigned = await twilio('/webhooks/twilio/sms', params, { none: true });
        assert.equal(unsigned.statusCode, 401);
        assert.match(String(unsigned.headers['content-type']), /application\/problem\+json/);
        assert.match(json<{ type: string }>(unsigned).type, /\/signature-invalid$/);
        const wrong = await twilio('/webhooks/twilio/sms', params, { token: 'another-token' });
        assert.equal(wrong.statusCode, 401);
        // Signed for another body than the one sent.
        const signature = twilioSignature(token, `${publicUrl}/webhooks/twilio/sms`, params);
        const tampered = await h.app.inject({
          method: 'POST',
          url: '/webhooks/twilio/sms',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': signature,
          },
          payload: new URLSearchParams({ ...params, Body: 'Send the refund elsewhere' }).toString(),
        });
        assert.equal(tampered.statusCode, 401);
        // Signed over another address than RAPPORT_PUBLIC_URL.
        const elsewhere = await twilio('/webhooks/twilio/sms', params, {
          url: 'https://evil.example.com/webhooks/twilio/sms',
        });
        assert.equal(elsewhere.statusCode, 401);
        assert.equal((await stored(params.MessageSid)).length, 0);
        assert.equal(await customerMessages(), before);
      });

      test('Twilio’s port variants are both accepted: signed with :443 or without', async () => {
        for (const url of [
          `https://care.example.com:443/webhooks/twilio/sms`,
          `https://care.example.com/webhooks/twilio/sms`,
        ]) {
          const messageSid = sid('SM');
          const answer = await twilio(
            '/webhooks/twilio/sms',
            {
              MessageSid: messageSid,
              AccountSid: accountSid,
              From: '+33611000002',
              To: smsNumber,
              Body: 'Port?',
            },
            { url },
          );
          assert.equal(answer.statusCode, 200, `${url}: ${answer.body}`);
          assert.equal((await stored(messageSid)).length, 1);
        }
      });

      test('a number no account has is 404; an account without its auth token is 403, storing nothing', async () => {
        const unknown = await text({ from: '+33611000003', body: 'Hi', to: '+33149999999' });
        assert.equal(unknown.statusCode, 404);
        assert.match(json<{ type: string }>(unknown).type, /\/number-unknown$/);
        // The fixture's Twilio SMS account has no auth token.
        const messageSid = sid('SM');
        const tokenless = await text({
          sid: messageSid,
          from: '+33611000003',
          body: 'Hi',
          to: '+33140000000',
        });
        assert.equal(tokenless.statusCode, 403);
        assert.match(tokenless.body, /has no auth token/);
        assert.equal((await stored(messageSid)).length, 0);
      });

      test('without RAPPORT_PUBLIC_URL, X-Forwarded-Proto/Host count only from a trusted proxy', async () => {
        const app = await buildServer({
          ...h.ctx,
          config: { ...h.ctx.config, publicUrl: undefined, trustedProxies: ['127.0.0.1'] },
        });
        try {
          const params = () => ({
            MessageSid: sid('SM'),
            AccountSid: accountSid,
            From: '+33611000004',
            To: smsNumber,
            Body: 'Via the proxy',
          });
          const forwarded = {
            'x-forwarded-proto': 'https',
            'x-forwarded-host': 'care.example.com',
          };
          const trusted = await twilio('/webhooks/twilio/sms', params(), { app }, forwarded);
          assert.equal(trusted.statusCode, 200, trusted.body);
          const untrusted = await twilio(
            '/webhooks/twilio/sms',
            params(),
            { app },
            forwarded,
            '10.9.9.9',
          );
          assert.equal(untrusted.statusCode, 401, 'a client cannot choose the signed URL');
        } finally {
          await app.close();
        }
        assert.equal(
          publicUrlOf('https://care.example.com/rapport', {
            protocol: 'http',
            host: 'internal:3000',
            url: '/webhooks/twilio/voice?x=1',
          }),
          'https://care.example.com/rapport/webhooks/twilio/voice?x=1',
        );
      });

      test('RAPPORT_PUBLIC_URL is a base URL: a trailing slash is dropped, anything else refused by name', () => {
        assert.equal(
          loadConfig({ RAPPORT_PUBLIC_URL: 'https://care.example.com/' }).publicUrl,
          'https://care.example.com',
        );
        assert.equal(
          loadConfig({ RAPPORT_PUBLIC_URL: 'https://example.com/rapport' }).publicUrl,
          'https://example.com/rapport',
        );
        assert.equal(loadConfig({}).publicUrl, undefined);
        for (const bad of ['care.example.com', 'ftp://x.example.com', 'https://x.example.com/?a=1'])
          assert.throws(() => loadConfig({ RAPPORT_PUBLIC_URL: bad }), /RAPPORT_PUBLIC_URL/);
      });

      test('a JSON webhook is checked with bodySHA256: the URL signed, the body matching its hash', () => {
        const body = Buffer.from(JSON.stringify({ event: 'x', data: { sid: 'SM1' } }));
        const hash = crypto.createHash('sha256').update(body).digest('hex');
        const url = `${publicUrl}/webhooks/twilio/sms/status?bodySHA256=${hash}`;
        const request = (raw: Buffer, signature: string) => ({
          headers: { 'x-twilio-signature': signature, 'content-type': 'application/json' },
          rawBody: raw,
          receivedAt: 0,
          url,
        });
        const signature = twilioSignature(token, url, {});
        assert.doesNotThrow(() => verifyTwilio(request(body, signature), smsAccount));
        assert.throws(
          () => verifyTwilio(request(Buffer.from('{"event":"y"}'), signature), smsAccount),
          /does not match/,
        );
      });

      test('serve refuses to start with a Twilio account without its auth token, naming it; a demo one only warns', async () => {
        await assert.rejects(
          checkTwilioAccounts(h.ctx.store.db),
          /"Care line" \(account \d+, voice \+33140000000\).*no auth token/,
        );
        await h.ctx.writer.run(async (unit) => {
          for (const id of [h.gateway!.idle.voice, h.gateway!.idle.sms])
            await unit.db
              .updateTable('channel_accounts')
              .set({ settings: JSON.stringify({ demo: true }) })
              .where('id', '=', id)
              .execute();
        });
        const { idle } = await checkTwilioAccounts(h.ctx.store.db);
        assert.equal(idle.length, 2);
      });
    });

    describe('SMS', () => {
      test('a signed text holding a NUL is refused with 400 naming the field, and stores nothing', async () => {
        const messageSid = sid('MM');
        const refused = await text({ sid: messageSid, from: '+493012399', body: 'a\u0000b' });
        assert.equal(refused.statusCode, 400, refused.body);
        assert.match(refused.body, /Body/);
        const stored = await h.ctx.store.db
          .selectFrom('interactions')
          .select('id')
          .where('provider_id', '=', messageSid)
          .execute();
        assert.deepEqual(stored, []);
      });

      test('a text reaches the customer known under any writing of their number, once per MessageSid, with its picture', async () => {
        const created = await h.app.inject({
          method: 'POST',
          url: '/api/customers',
          headers: { cookie: advisor },
          payload: { displayName: 'Jonas Weber', contact: { phone: '0049 30 12345' } },
        });
        assert.equal(created.statusCode, 201, created.body);
        const customerId = json<{ id: number }>(created).id;
        const messageSid = sid('MM');
        const first = await text({
          sid: messageSid,
          from: '+493012345',
          body: 'Is my order ready?',
          NumMedia: '1',
          MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
          MediaContentType0: 'image/jpeg',
        });
        assert.equal(first.statusCode, 200, first.body);
        assert.match(String(first.headers['content-type']), /^text\/xml/);
        assert.deepEqual(
          names(readTwiml(first.body)),
          [],
          'an ordinary text gets no automatic answer',
        );
        const again = await text({
          sid: messageSid,
          from: '+493012345',
          body: 'Is my order ready?',
        });
        assert.equal(answerOf(again).duplicate, true);
        const rows = await stored(messageSid);
        assert.equal(rows.length, 1);
        assert.equal(Number(rows[0]!.customer_id), customerId);
        assert.equal(rows[0]!.kind, 'sms');
        assert.equal(rows[0]!.account_id !== null && Number(rows[0]!.account_id), ids.sms);
        assert.deepEqual(JSON.parse(rows[0]!.attachments), [
          {
            name: 'media-1',
            contentType: 'image/jpeg',
            size: 0,
            url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
          },
        ]);
        const work = await h.ctx.store.db
          .selectFrom('work_items')
          .select(['kind', 'channel'])
          .where('conversation_id', '=', rows[0]!.conversation_id)
          .execute();
        assert.deepEqual(work, [{ kind: 'message', channel: 'sms' }]);
      });

      test('a reply goes to Twilio’s Messages API through the job queue; status callbacks move it forward only', async () => {
        const received = answerOf(await text({ from: '+33611000010', body: 'Any news?' }));
        const conversationId = Number(
          (
            await h.ctx.store.db
              .selectFrom('interactions')
              .select('conversation_id')
              .where('id', '=', received.interactionId!)
              .executeTakeFirstOrThrow()
          ).conversation_id,
        );
        const before = rest.requests.length;
        const reply = json<Interaction>(
          await h.app.inject({
            method: 'POST',
            url: `/api/conversations/${conversationId}/interactions`,
            headers: { cookie: advisor },
            payload: { kind: 'sms', text: 'It leaves today.', accountId: ids.sms },
          }),
        );
        const sent = await waitFor('the reply sent', async () => {
          const row = await h.ctx.store.db
            .selectFrom('interactions')
            .selectAll()
            .where('id', '=', reply.id)
            .executeTakeFirstOrThrow();
          return row.delivery_state === 'sent' && row;
        });
        const posted = rest.requests.slice(before);
        assert.equal(posted.length, 1);
        assert.equal(posted[0]!.method, 'POST');
        assert.equal(posted[0]!.path, `/2010-04-01/Accounts/${accountSid}/Messages.json`);
        assert.equal(
          posted[0]!.authorization,
          `Basic ${Buffer.from(`${accountSid}:${token}`).toString('base64')}`,
        );
        assert.deepEqual(Object.fromEntries(posted[0]!.form), {
          To: '+33611000010',
          From: smsNumber,
          Body: 'It leaves today.',
          StatusCallback: `${publicUrl}/webhooks/twilio/sms/status`,
        });
        assert.match(sent.provider_id!, /^SM\d{32}$/);
        // The job runs again (a lost lease, a crash before "sent"): the recorded sid, no second text.
        const adapter = createTwilioAdapter({
          db: h.ctx.store.db,
          writer: h.ctx.writer,
          now: () => h.clock.now(),
          publicUrl,
        });
        const repeat = await adapter.send(
          {
            interactionId: reply.id,
            conversationId,
            channel: 'sms',
            kind: 'sms',
            to: '+33611000010',
            subject: '',
            text: 'It leaves today.',
            html: null,
            attachments: [],
            threadId: null,
            idempotencyKey: `send:${reply.id}`,
          },
          smsAccount,
        );
        assert.equal(repeat.providerId, sent.provider_id);
        assert.equal(rest.requests.length, before + 1, 'Twilio was not asked again');

        const status = (MessageStatus: string, more: Record<string, string> = {}) =>
          twilio('/webhooks/twilio/sms/status', {
            MessageSid: sent.provider_id!,
            AccountSid: accountSid,
            From: smsNumber,
            To: '+33611000010',
            MessageStatus,
            ...more,
          });
        const applied = async (r: Awaited<ReturnType<typeof status>>) => {
          assert.equal(r.statusCode, 204, r.body);
          return Number(r.headers['rapport-applied']);
        };
        assert.equal(await applied(await status('sent')), 0, 'sent is what we know already');
        assert.equal(await applied(await status('delivered')), 1);
        assert.equal(await applied(await status('delivered')), 0, 'a repeat changes nothing');
        assert.equal(await applied(await status('read')), 1);
        assert.equal(
          await applied(await status('undelivered', { ErrorCode: '30003' })),
          0,
          'a late failure never undoes read',
        );
        const history = json<{ items: { state: string }[] }>(
          await h.app.inject({
            url: `/api/interactions/${reply.id}/delivery`,
            headers: { cookie: advisor },
          }),
        ).items.map((e) => e.state);
        assert.deepEqual(history, ['queued', 'sending', 'sent', 'delivered', 'read']);
        const unsigned = await twilio(
          '/webhooks/twilio/sms/status',
          { MessageSid: sent.provider_id!, From: smsNumber, MessageStatus: 'failed' },
          { none: true },
        );
        assert.equal(unsigned.statusCode, 401);
      });

      test('a send whose answer was lost (started, no sid) adopts the message Twilio took instead of texting twice', async () => {
        const adapter = createTwilioAdapter({
          db: h.ctx.store.db,
          writer: h.ctx.writer,
          now: () => h.clock.now(),
          publicUrl,
        });
        const key = `send:lost-${Date.now()}`;
        // The first try reached Twilio, then the node died before reading the answer.
        await h.ctx.writer.run((unit) =>
          unit.db
            .insertInto('twilio_sends')
            .values({
              key: `${accountSid}|${rest.url}|${key}`,
              interaction_id: 1,
              sid: null,
              started_at: h.clock.now(),
            })
            .execute(),
        );
        rest.answers.push({
          status: 200,
          body: JSON.stringify({
            messages: [
              {
                sid: 'SMother',
                body: 'Something else',
                date_created: new Date(h.clock.now()).toUTCString(),
              },
              {
                sid: 'SMtaken',
                body: 'Your refund is on its way.',
                date_created: new Date(h.clock.now()).toUTCString(),
              },
            ],
          }),
        });
        const before = rest.requests.length;
        const receipt = await adapter.send(
          {
            interactionId: 1,
            conversationId: 1,
            channel: 'sms',
            kind: 'sms',
            to: '+33611000099',
            subject: '',
            text: 'Your refund is on its way.',
            html: null,
            attachments: [],
            threadId: null,
            idempotencyKey: key,
          },
          smsAccount,
        );
        assert.equal(receipt.providerId, 'SMtaken');
        const asked = rest.requests.slice(before);
        assert.equal(asked.length, 1, 'one lookup, no second POST');
        assert.equal(asked[0]!.method, 'GET');
        const query = new URL(asked[0]!.path, rest.url).searchParams;
        assert.equal(query.get('To'), '+33611000099');
        assert.equal(query.get('From'), smsNumber);
        assert.equal(query.get('DateSent>'), new Date(h.clock.now()).toISOString().slice(0, 10));
      });

      test('Twilio’s 21610 (the customer texted STOP to Twilio) fails the reply for good and turns SMS consent off', async () => {
        const received = answerOf(await text({ from: '+33611000011', body: 'Hello' }));
        const customerId = await customerOf(received.interactionId!);
        const conversationId = Number(
          (
            await h.ctx.store.db
              .selectFrom('interactions')
              .select('conversation_id')
              .where('id', '=', received.interactionId!)
              .executeTakeFirstOrThrow()
          ).conversation_id,
        );
        rest.answers.push({
          status: 400,
          body: JSON.stringify({
            code: 21610,
            message: 'Attempt to send to unsubscribed recipient',
            more_info: 'https://www.twilio.com/docs/errors/21610',
            status: 400,
          }),
        });
        const reply = json<Interaction>(
          await h.app.inject({
            method: 'POST',
            url: `/api/conversations/${conversationId}/interactions`,
            headers: { cookie: advisor },
            payload: { kind: 'sms', text: 'Are you there?', accountId: ids.sms },
          }),
        );
        const failed = await waitFor('the reply failed', async () => {
          const row = await h.ctx.store.db
            .selectFrom('interactions')
            .selectAll()
            .where('id', '=', reply.id)
            .executeTakeFirstOrThrow();
          return row.delivery_state === 'failed' && row;
        });
        assert.match(failed.delivery_reason!, /permanent: 400: Twilio error 21610/);
        assert.equal((await consentOf(customerId)).sms, false);
      });

      test('STOP turns SMS consent off, START on again; Twilio answers them (an empty Response), or we do', async () => {
        const from = '+33611000012';
        const hello = answerOf(await text({ from, body: 'Hi there' }));
        const customerId = await customerOf(hello.interactionId!);
        assert.equal((await consentOf(customerId)).sms, true);

        const stop = await text({ from, body: ' stop ' });
        assert.equal(stop.statusCode, 200);
        assert.deepEqual(names(readTwiml(stop.body)), [], 'Twilio’s opt-out handling answers STOP');
        assert.equal(answerOf(stop).automated, true, 'a keyword is not routed as a message');
        assert.equal((await consentOf(customerId)).sms, false);
        const conversationId = Number(
          (
            await h.ctx.store.db
              .selectFrom('interactions')
              .select('conversation_id')
              .where('id', '=', hello.interactionId!)
              .executeTakeFirstOrThrow()
          ).conversation_id,
        );
        const refused = await h.app.inject({
          method: 'POST',
          url: `/api/conversations/${conversationId}/interactions`,
          headers: { cookie: advisor },
          payload: { kind: 'sms', text: 'One more thing', accountId: ids.sms },
        });
        assert.equal(refused.statusCode, 422);
        assert.match(refused.body, /said no to SMS/);

        const start = await text({ from, body: 'START' });
        assert.equal(start.statusCode, 200);
        assert.equal((await consentOf(customerId)).sms, true);
        const events = await h.ctx.store.db
          .selectFrom('events')
          .select('after')
          .where('type', '=', 'customer.consent-changed')
          .where('entity_id', '=', customerId)
          .orderBy('id')
          .execute();
        assert.deepEqual(
          events.map((e) => (JSON.parse(e.after!) as { sms: boolean }).sms),
          [false, true],
        );

        // An account whose replies Rapport writes (Twilio's opt-out handling off for it).
        const ours = (body: string) =>
          text({ from: '+33611000013', body, to: rapportRepliesNumber });
        const message = (r: Awaited<ReturnType<typeof ours>>) => {
          const twiml = readTwiml(r.body);
          assert.deepEqual(names(twiml), ['Message']);
          return twiml.children[0]!.text;
        };
        assert.match(message(await ours('STOP')), /no more texts.*Reply START/);
        assert.match(message(await ours('HELP')), /reach a person.*Reply STOP/);
        assert.match(message(await ours('Unstop')), /text with us again/);
      });
    });

    describe('voice', () => {
      const call = async (from: string, to = voiceNumber, more: Record<string, string> = {}) => {
        const callSid = sid('CA');
        const response = await twilio('/webhooks/twilio/voice', {
          CallSid: callSid,
          AccountSid: accountSid,
          From: from,
          To: to,
          CallStatus: 'ringing',
          Direction: 'inbound',
          ApiVersion: '2010-04-01',
          ...more,
        });
        assert.equal(response.statusCode, 200, response.body);
        assert.match(String(response.headers['content-type']), /^text\/xml/);
        return { callSid, twiml: readTwiml(response.body) };
      };
      const callback = (
        path: string,
        callSid: string,
        more: Record<string, string>,
        to = voiceNumber,
      ) =>
        twilio(path, {
          CallSid: callSid,
          AccountSid: accountSid,
          From: '+33600000000',
          To: to,
          ...more,
        });
      const callRow = (callSid: string) =>
        h.ctx.store.db
          .selectFrom('calls')
          .selectAll()
          .where('provider_call_id', '=', callSid)
          .executeTakeFirstOrThrow();
      const itemOf = async (callSid: string) =>
        h.ctx.store.db
          .selectFrom('work_items')
          .selectAll()
          .where('id', '=', (await callRow(callSid)).work_item_id!)
          .executeTakeFirstOrThrow();
      const expectHold = (twiml: Element, from: number, say: RegExp) => {
        const [position, gather, pause, redirect] = twiml.children.slice(from);
        assert.equal(position!.name, 'Say');
        assert.match(position!.text, say);
        assert.equal(gather!.name, 'Gather');
        assert.deepEqual(gather!.attributes, {
          numDigits: '1',
          action: `${publicUrl}/webhooks/twilio/voice/menu`,
          method: 'POST',
          timeout: '5',
        });
        assert.deepEqual(names(gather!), ['Say']);
        assert.match(gather!.children[0]!.text, /Press 1 .*call you back.*keeping your place/);
        assert.equal(pause!.name, 'Pause');
        assert.equal(redirect!.name, 'Redirect');
        assert.equal(redirect!.text, `${publicUrl}/webhooks/twilio/voice/wait`);
        assert.equal(twiml.children.length, from + 4);
      };

      test('an unknown caller with nobody on shift hears an honest "no time promised" and the callback offer', async () => {
        const { twiml, callSid } = await call('+33622000001');
        assert.deepEqual(names(twiml), ['Say', 'Say', 'Gather', 'Pause', 'Redirect']);
        assert.equal(twiml.children[0]!.text, 'Thank you for calling Care line.');
        expectHold(twiml, 1, /^You are next\. Nobody is free to take calls right now/);
        const item = await itemOf(callSid);
        assert.equal(item.kind, 'call');
        assert.equal(item.channel, 'voice');
        assert.equal(item.status, 'waiting');
        const row = await callRow(callSid);
        assert.equal(row.state, 'ringing');
        assert.equal(row.outcome, 'queued');
      });

      test('a known caller is greeted by name; the queue tells their place and wait; press 1 keeps that place as a callback', async () => {
        // One advisor on shift, busy with a call: no free slot, five minutes a call by default.
        await h.ctx.writer.run(async (unit) => {
          await setPresence(unit, h.fixture.people.techAdvisor.id, 'available', systemActor);
          await setCapacity(unit, h.fixture.people.techAdvisor.id, { voice: 1 }, systemActor);
          await unit.db
            .updateTable('advisors')
            .set({ team_id: h.fixture.teams.care })
            .where('id', '=', h.fixture.people.techAdvisor.id)
            .execute();
        });
        const busy = await call('+33622000002');
        const busyItem = await itemOf(busy.callSid);
        await h.ctx.writer.run((unit) =>
          unit.db
            .updateTable('work_items')
            .set({
              status: 'assigned',
              advisor_id: h.fixture.people.techAdvisor.id,
              accepted_at: unit.now,
            })
            .where('id', '=', busyItem.id)
            .execute(),
        );
        const waiting = await h.ctx.store.db
          .selectFrom('work_items')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', 'waiting')
          .where('channel', '=', 'voice')
          .executeTakeFirstOrThrow();
        const ahead = Number(waiting.n);

        const created = await h.app.inject({
          method: 'POST',
          url: '/api/customers',
          headers: { cookie: advisor },
          payload: { displayName: 'Camille Martin', contact: { phone: '06 22 00 00 03' } },
        });
        assert.equal(created.statusCode, 201, created.body);
        const { twiml, callSid } = await call('+33622000003');
        assert.equal(
          twiml.children[0]!.text,
          'Hello Camille Martin, thank you for calling Care line.',
        );
        const position = ahead + 1;
        // (position - 0 free slots) x 5 min / 1 slot on shift.
        expectHold(
          twiml,
          1,
          new RegExp(
            `^You are number ${position} in the queue\\. Your wait is about ${position * 5} minutes\\.$`,
          ),
        );
        const before = await itemOf(callSid);

        const pressed = await callback('/webhooks/twilio/voice/menu', callSid, { Digits: '1' });
        assert.equal(pressed.statusCode, 200, pressed.body);
        const answer = readTwiml(pressed.body);
        assert.deepEqual(names(answer), ['Say', 'Hangup']);
        assert.match(
          answer.children[0]!.text,
          /call you back on your number ending 0 3, and you keep your place/,
        );
        const after = await itemOf(callSid);
        assert.equal(after.kind, 'callback');
        assert.equal(after.channel, 'voice');
        assert.equal(after.status, 'waiting');
        assert.equal(after.callback_number, '+33622000003');
        assert.equal(after.created_at, before.created_at, 'the original enqueue time is kept');
        assert.equal(after.deadline_at, before.deadline_at);
        assert.equal((await callRow(callSid)).outcome, 'callback');
        // The caller hangs up after: a callback stays in the queue.
        await callback('/webhooks/twilio/voice/status', callSid, {
          CallStatus: 'completed',
          CallDuration: '40',
        });
        assert.equal((await itemOf(callSid)).status, 'waiting');
        await h.ctx.writer.run((unit) =>
          setPresence(unit, h.fixture.people.techAdvisor.id, 'offline', systemActor),
        );
      });

      test('an advisor sets their own line (a number or a SIP address); only an admin sets another’s', async () => {
        const me = h.fixture.people.techAdvisor;
        const cookie = await h.signIn(me.email);
        const put = (id: number, address: string | null, as = cookie) =>
          h.app.inject({
            method: 'PUT',
            url: `/api/advisors/${id}/line`,
            headers: { cookie: as },
            payload: { address },
          });
        const own = await put(me.id, '06 12 00 00 42');
        assert.equal(own.statusCode, 200, own.body);
        assert.deepEqual(json(own), { advisorId: me.id, address: '+33612000042' });
        assert.equal((await put(me.id, 'sip:tech@pbx.example.com')).statusCode, 200);
        assert.equal((await put(me.id, 'sip:not a sip')).statusCode, 422);
        assert.equal((await put(h.fixture.people.supervisor.id, '+33612000043')).statusCode, 404);
        const admin = await h.signIn(h.fixture.people.admin.email);
        assert.equal(
          (await put(h.fixture.people.supervisor.id, '+33612000043', admin)).statusCode,
          200,
        );
        assert.equal((await put(me.id, null)).statusCode, 200);
        const lines = await h.ctx.store.db
          .selectFrom('advisor_lines')
          .select(['advisor_id', 'address'])
          .where('advisor_id', 'in', [me.id, h.fixture.people.supervisor.id])
          .execute();
        assert.deepEqual(
          lines.map((l) => [Number(l.advisor_id), l.address]),
          [[h.fixture.people.supervisor.id, '+33612000043']],
        );
      });

      test('the owner, free, is rung straight away; not picked up, the caller goes back to the queue', async () => {
        const me = h.fixture.people.advisor.id;
        await h.ctx.writer.run(async (unit) => {
          await unit.db
            .insertInto('advisor_lines')
            .values({ advisor_id: me, address: '+33612000001', updated_at: unit.now })
            .execute();
          await setPresence(unit, me, 'available', systemActor);
        });
        // A customer whose case the advisor owns.
        const first = await call('+33622000004');
        const conversationId = Number((await callRow(first.callSid)).conversation_id);
        const owned = await h.app.inject({
          method: 'PATCH',
          url: `/api/conversations/${conversationId}`,
          headers: { cookie: advisor },
          payload: { ownerId: me },
        });
        assert.equal(owned.statusCode, 200, owned.body);
        await callback('/webhooks/twilio/voice/status', first.callSid, { CallStatus: 'completed' });

        const { twiml, callSid } = await call('+33622000004');
        assert.deepEqual(names(twiml), ['Say', 'Say', 'Dial']);
        assert.equal(twiml.children[1]!.text, 'Putting you through to Advisor.');
        const dial = twiml.children[2]!;
        assert.deepEqual(dial.attributes, {
          action: `${publicUrl}/webhooks/twilio/voice/dialed`,
          method: 'POST',
          timeout: '20',
          answerOnBridge: 'true',
          callerId: voiceNumber,
        });
        assert.deepEqual(names(dial), ['Number']);
        assert.equal(dial.children[0]!.text, '+33612000001');
        const item = await itemOf(callSid);
        assert.equal(item.status, 'assigned');
        assert.equal(Number(item.advisor_id), me);
        assert.equal((await callRow(callSid)).outcome, 'dialed');

        const missed = await callback('/webhooks/twilio/voice/dialed', callSid, {
          DialCallStatus: 'no-answer',
          CallStatus: 'in-progress',
        });
        const back = readTwiml(missed.body);
        assert.match(back.children[0]!.text, /cannot take the call right now/);
        expectHold(back, 1, /^You are /);
        const again = await itemOf(callSid);
        assert.equal(again.status, 'waiting');
        assert.equal(again.created_at, item.created_at);
        await h.ctx.writer.run((unit) => setPresence(unit, me, 'offline', systemActor));
      });

      test('the hold loop says the place again, and dials the advisor who took the call', async () => {
        const { callSid } = await call('+33622000011');
        const hold = readTwiml((await callback('/webhooks/twilio/voice/wait', callSid, {})).body);
        expectHold(hold, 0, /^You are /);
        const item = await itemOf(callSid);
        await h.ctx.writer.run((unit) =>
          unit.db
            .updateTable('work_items')
            .set({
              status: 'offered',
              advisor_id: h.fixture.people.advisor.id,
              offered_at: unit.now,
            })
            .where('id', '=', item.id)
            .execute(),
        );
        const offered = readTwiml(
          (await callback('/webhooks/twilio/voice/wait', callSid, {})).body,
        );
        assert.deepEqual(names(offered), ['Say', 'Pause', 'Redirect']);
        assert.match(offered.children[0]!.text, /about to take your call/);
        await h.ctx.writer.run((unit) =>
          unit.db
            .updateTable('work_items')
            .set({ status: 'assigned', accepted_at: unit.now })
            .where('id', '=', item.id)
            .execute(),
        );
        const through = readTwiml(
          (await callback('/webhooks/twilio/voice/wait', callSid, {})).body,
        );
        assert.deepEqual(names(through), ['Say', 'Dial']);
        assert.equal(through.children[1]!.children[0]!.text, '+33612000001');
        assert.equal((await callRow(callSid)).outcome, 'dialed');
      });

      test('an advisor calls a callback back through Twilio’s Calls API; a person is put through, a machine never', async () => {
        const { callSid } = await call('+33622000010');
        await callback('/webhooks/twilio/voice/menu', callSid, { Digits: '1' });
        const item = await itemOf(callSid);
        assert.equal(item.kind, 'callback');
        // The advisor has a line (set in the test before).
        const asked = await h.app.inject({
          method: 'POST',
          url: `/api/callbacks/${item.id}/call`,
          headers: { cookie: advisor },
        });
        assert.equal(asked.statusCode, 202, asked.body);
        const again = await h.app.inject({
          method: 'POST',
          url: `/api/callbacks/${item.id}/call`,
          headers: { cookie: advisor },
        });
        assert.equal(again.statusCode, 409, 'one call at a time');
        const job = await h.ctx.store.db
          .selectFrom('jobs')
          .selectAll()
          .where('id', '=', json<{ jobId: number }>(asked).jobId)
          .executeTakeFirstOrThrow();
        const handler = callbackCallJobs({
          db: h.ctx.store.db,
          writer: h.ctx.writer,
          accounts: storedAccounts(createSecretBox(h.ctx.config.secretKey)),
          publicUrl,
          now: () => h.clock.now(),
        })[callJobType]!;
        const run = () =>
          handler({
            id: job.id,
            type: job.type,
            payload: JSON.parse(job.payload),
            attempt: 1,
            key: job.key,
          });
        const outbound = sid('CA');
        rest.answers.push({
          status: 201,
          body: JSON.stringify({ sid: outbound, status: 'queued' }),
        });
        const before = rest.requests.length;
        await run();
        await run();
        const posted = rest.requests.slice(before);
        assert.equal(posted.length, 1, 'a rerun of the job does not ring the customer twice');
        assert.equal(posted[0]!.path, `/2010-04-01/Accounts/${accountSid}/Calls.json`);
        const form = posted[0]!.form;
        assert.equal(form.get('To'), '+33622000010');
        assert.equal(form.get('From'), voiceNumber);
        assert.equal(form.get('Url'), `${publicUrl}/webhooks/twilio/voice/connect?item=${item.id}`);
        assert.equal(form.get('StatusCallback'), `${publicUrl}/webhooks/twilio/voice/status`);
        assert.deepEqual(form.getAll('StatusCallbackEvent'), [
          'initiated',
          'ringing',
          'answered',
          'completed',
        ]);
        assert.equal(form.get('MachineDetection'), 'Enable');
        const placed = await callRow(outbound);
        assert.equal(placed.direction, 'outbound');
        assert.equal(Number(placed.work_item_id), item.id);
        assert.equal(Number(placed.advisor_id), h.fixture.people.advisor.id);

        const connect = (answeredBy: string) =>
          twilio(`/webhooks/twilio/voice/connect?item=${item.id}`, {
            CallSid: outbound,
            AccountSid: accountSid,
            From: voiceNumber,
            To: '+33622000010',
            Direction: 'outbound-api',
            CallStatus: 'in-progress',
            AnsweredBy: answeredBy,
          });
        const person = readTwiml((await connect('human')).body);
        assert.deepEqual(names(person), ['Say', 'Dial']);
        assert.match(
          person.children[0]!.text,
          /returning your call\. Putting you through to Advisor\./,
        );
        assert.equal(person.children[1]!.attributes.callerId, voiceNumber);
        assert.deepEqual(
          person.children[1]!.children.map((c) => [c.name, c.text]),
          [['Number', '+33612000001']],
        );
        const machine = readTwiml((await connect('machine_start')).body);
        assert.deepEqual(names(machine), ['Say', 'Hangup'], 'no advisor is bridged to a machine');
        assert.equal((await callRow(outbound)).outcome, 'machine');
      });

      test('out of hours: said so with the next opening, a callback or a voicemail, which lands on the timeline with its transcription', async () => {
        const { twiml, callSid } = await call('+33622000005', closedNumber);
        assert.deepEqual(names(twiml), ['Say', 'Say', 'Gather', 'Record', 'Say']);
        assert.equal(twiml.children[0]!.text, 'Thank you for calling Night line.');
        assert.equal(
          twiml.children[1]!.text,
          'We are closed now; we open again tomorrow at 09:00.',
        );
        const gather = twiml.children[2]!;
        assert.equal(gather.attributes.numDigits, '1');
        assert.equal(gather.attributes.action, `${publicUrl}/webhooks/twilio/voice/menu`);
        assert.match(gather.children[0]!.text, /call you back when we open.*leave a message/);
        assert.deepEqual(twiml.children[3]!.attributes, {
          action: `${publicUrl}/webhooks/twilio/voice/recording`,
          method: 'POST',
          maxLength: '120',
          playBeep: 'true',
          transcribe: 'true',
          transcribeCallback: `${publicUrl}/webhooks/twilio/voice/transcription`,
        });
        const recordingSid = sid('RE');
        const recorded = await callback(
          '/webhooks/twilio/voice/recording',
          callSid,
          {
            RecordingSid: recordingSid,
            RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}`,
            RecordingDuration: '14',
            Digits: 'hangup',
          },
          closedNumber,
        );
        assert.deepEqual(names(readTwiml(recorded.body)), ['Say', 'Hangup']);
        const transcribed = await callback(
          '/webhooks/twilio/voice/transcription',
          callSid,
          {
            TranscriptionSid: sid('TR'),
            TranscriptionStatus: 'completed',
            TranscriptionText: 'Please call me about my invoice.',
            RecordingSid: recordingSid,
          },
          closedNumber,
        );
        assert.equal(transcribed.statusCode, 204);
        const conversationId = Number((await callRow(callSid)).conversation_id);
        const timeline = json<{ items: Interaction[] }>(
          await h.app.inject({
            url: `/api/conversations/${conversationId}/interactions`,
            headers: { cookie: advisor },
          }),
        ).items.map((i) => i.text);
        assert.ok(timeline.includes('Voicemail (14 s)'), timeline.join(' | '));
        assert.ok(
          timeline.includes('Transcription of the voicemail: Please call me about my invoice.'),
        );
        const item = await itemOf(callSid);
        assert.equal(item.kind, 'callback', 'a voicemail is a callback that keeps its place');
        assert.equal((await callRow(callSid)).recording_url !== null, true);
      });

      test('a customer who calls while their text waits: the waiting text becomes the call and keeps its place', async () => {
        const texted = answerOf(await text({ from: '+33622000009', body: 'Please call me' }));
        const conversationId = Number(
          (
            await h.ctx.store.db
              .selectFrom('interactions')
              .select('conversation_id')
              .where('id', '=', texted.interactionId!)
              .executeTakeFirstOrThrow()
          ).conversation_id,
        );
        const waiting = await h.ctx.store.db
          .selectFrom('work_items')
          .selectAll()
          .where('conversation_id', '=', conversationId)
          .executeTakeFirstOrThrow();
        assert.equal(waiting.channel, 'sms');
        h.clock.advance(60_000);
        const { twiml, callSid } = await call('+33622000009');
        assert.deepEqual(names(twiml), ['Say', 'Say', 'Gather', 'Pause', 'Redirect']);
        const item = await itemOf(callSid);
        assert.equal(item.id, waiting.id);
        assert.equal(item.kind, 'call');
        assert.equal(item.channel, 'voice');
        assert.equal(item.created_at, waiting.created_at, 'waiting since they wrote');
      });

      test('status callbacks only move a call forward: replayed, reordered and duplicated ones change nothing', async () => {
        const { callSid } = await call('+33622000006');
        const status = (CallStatus: string, more: Record<string, string> = {}) =>
          callback('/webhooks/twilio/voice/status', callSid, { CallStatus, ...more });
        for (const [report, state] of [
          ['in-progress', 'in-progress'],
          ['ringing', 'in-progress'],
          ['completed', 'completed'],
          ['completed', 'completed'],
          ['in-progress', 'completed'],
          ['busy', 'completed'],
        ] as const) {
          const r = await status(report, report === 'completed' ? { CallDuration: '93' } : {});
          assert.equal(r.statusCode, 204, r.body);
          assert.equal((await callRow(callSid)).state, state, `after ${report}`);
        }
        const row = await callRow(callSid);
        assert.equal(row.duration_seconds, 93);
        assert.equal(row.ended_by, 'provider');
        assert.notEqual(row.answered_at, null);
        const changes = await h.ctx.store.db
          .selectFrom('events')
          .select('after')
          .where('type', '=', 'call.state-changed')
          .where('entity_id', '=', row.id)
          .orderBy('id')
          .execute();
        assert.deepEqual(
          changes.map((e) => (JSON.parse(e.after!) as { state: string }).state),
          ['in-progress', 'completed'],
        );
        // A caller who hangs up on hold leaves the queue.
        assert.equal((await itemOf(callSid)).status, 'withdrawn');
        // A report before the call's own webhook opens the call.
        const late = sid('CA');
        const early = await callback('/webhooks/twilio/voice/status', late, {
          CallStatus: 'no-answer',
        });
        assert.equal(early.statusCode, 204);
        assert.equal((await callRow(late)).state, 'no-answer');
      });

      test('the sweeper closes a call that never got its hangup', async () => {
        const { callSid } = await call('+33622000007');
        h.clock.advance(11 * 60_000);
        const closed = await h.ctx.writer.run((unit) =>
          sweepCalls(unit, { ringingMs: 10 * 60_000, openMs: 4 * 3_600_000 }),
        );
        assert.ok(closed >= 1);
        const row = await callRow(callSid);
        assert.equal(row.state, 'no-answer');
        assert.equal(row.ended_by, 'sweeper');
        // Its hangup arriving after all changes nothing.
        await callback('/webhooks/twilio/voice/status', callSid, { CallStatus: 'completed' });
        assert.equal((await callRow(callSid)).state, 'no-answer');
      });

      test('a voice webhook with a wrong signature is refused and stores no call', async () => {
        const callSid = sid('CA');
        const refused = await twilio(
          '/webhooks/twilio/voice',
          {
            CallSid: callSid,
            AccountSid: accountSid,
            From: '+33622000008',
            To: voiceNumber,
            CallStatus: 'ringing',
          },
          { token: 'wrong' },
        );
        assert.equal(refused.statusCode, 401);
        const calls = await h.ctx.store.db
          .selectFrom('calls')
          .select('id')
          .where('provider_call_id', '=', callSid)
          .execute();
        assert.equal(calls.length, 0);
      });
    });

    describe('plain call events (a PBX)', () => {
      const events = (body: unknown, secret = gatewaySecret) => {
        const raw = JSON.stringify(body);
        return h.app.inject({
          method: 'POST',
          url: '/webhooks/calls',
          headers: {
            'content-type': 'application/json',
            'rapport-signature': signatureHeader(secret, Math.floor(h.clock.now() / 1000), raw),
          },
          payload: raw,
        });
      };
      test('started, answered, ended map to one call; replays change nothing; a bad signature is refused', async () => {
        const callId = `pbx-${Date.now()}`;
        const base = { callId, direction: 'inbound', from: '06 33 00 00 01', to: '+33140000101' };
        const started = await events({ events: [{ ...base, event: 'started' }] });
        assert.equal(started.statusCode, 200, started.body);
        const answered = await events({
          events: [{ ...base, event: 'answered', advisorEmail: h.fixture.people.advisor.email }],
        });
        assert.equal(answered.statusCode, 200, answered.body);
        const row = await h.ctx.store.db
          .selectFrom('calls')
          .selectAll()
          .where('provider', '=', 'pbx')
          .where('provider_call_id', '=', callId)
          .executeTakeFirstOrThrow();
        assert.equal(row.state, 'in-progress');
        assert.equal(Number(row.advisor_id), h.fixture.people.advisor.id);
        const item = await h.ctx.store.db
          .selectFrom('work_items')
          .selectAll()
          .where('id', '=', row.work_item_id!)
          .executeTakeFirstOrThrow();
        assert.equal(item.status, 'assigned');
        const ended = await events({ events: [{ ...base, event: 'ended', durationSeconds: 61 }] });
        assert.deepEqual(json<{ calls: unknown[] }>(ended).calls, [
          { callId, id: row.id, state: 'completed', moved: true },
        ]);
        const replay = await events({
          events: [
            { ...base, event: 'answered' },
            { ...base, event: 'ended' },
          ],
        });
        assert.deepEqual(
          json<{ calls: { moved: boolean; state: string }[] }>(replay).calls.map((c) => [
            c.state,
            c.moved,
          ]),
          [
            ['completed', false],
            ['completed', false],
          ],
        );
        const done = await h.ctx.store.db
          .selectFrom('work_items')
          .select('status')
          .where('id', '=', row.work_item_id!)
          .executeTakeFirstOrThrow();
        assert.equal(done.status, 'done');
        const bad = await events({ events: [{ ...base, event: 'ended' }] }, 'not-the-secret');
        assert.equal(bad.statusCode, 401);
        assert.match(json<{ type: string }>(bad).type, /\/signature-invalid$/);
      });
    });
  });
}
