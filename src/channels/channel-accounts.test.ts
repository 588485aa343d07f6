import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import { loadConfig } from '../platform/config.ts';
import { createSecretBox } from '../platform/secrets.ts';
import { closeContext, createContext } from '../server.ts';
import { accountSecrets, defaultAccountFor, type ChannelAccount } from './channel-accounts.ts';
import type { Interaction } from '../api-types/conversations.ts';

const secretKey = 'a test key that is long enough to derive from';
// Values no answer and no log line may ever contain.
const authToken = 'twilio-auth-PLAIN-7f3a9c';
const newAuthToken = 'twilio-auth-ROTATED-55d1e0';
const appSecret = 'meta-app-PLAIN-b81c44';

for (const database of await testDatabases()) {
  describe(`channel accounts on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let admin: string;
    let advisor: string;
    const logLines: string[] = [];
    /** Every answer body the tests received, to check none holds a secret. */
    const answers: string[] = [];

    before(async () => {
      const logStream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          logLines.push(chunk.toString());
          done();
        },
      });
      h = await startHarness(await database.open(), {
        config: { secretKey, logLevel: 'trace' },
        logStream,
      });
      admin = await h.signIn(h.fixture.people.admin.email);
      advisor = await h.signIn(h.fixture.people.advisor.email);
    });
    after(() => h.close());

    const call = async (
      method: 'GET' | 'POST' | 'PATCH',
      url: string,
      cookie: string,
      payload?: object,
    ) => {
      const response = await h.app.inject({
        method,
        url,
        headers: { cookie },
        ...(payload ? { payload: payload as Record<string, unknown> } : {}),
      });
      answers.push(response.body);
      return response;
    };
    const inbound = async (payload: object) => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: payload as Record<string, unknown>,
      });
      assert.equal(response.statusCode, 201, response.body);
      return json<{ conversationId: number; customerId: number; interactionId: number }>(response);
    };
    const reply = (conversationId: number, payload: object) =>
      call('POST', `/api/conversations/${conversationId}/interactions`, advisor, payload);
    const interactionsOf = async (conversationId: number) =>
      json<{ items: Interaction[] }>(
        await call('GET', `/api/conversations/${conversationId}/interactions`, admin),
      ).items;

    let billing: ChannelAccount;
    let secondNumber: ChannelAccount;

    test('a channel holds several accounts: two mailboxes, several numbers, pages', async () => {
      const created = await call('POST', '/api/channel-accounts', admin, {
        channel: 'email',
        provider: 'smtp',
        displayName: 'Billing',
        address: ' Billing@Test.Rapport ',
        teamId: h.fixture.teams.tech,
        settings: { smtpHost: '127.0.0.1', smtpPort: 2525 },
      });
      assert.equal(created.statusCode, 201, created.body);
      billing = json<ChannelAccount>(created);
      assert.equal(billing.address, 'billing@test.rapport');
      assert.equal(billing.signature, true, 'email signs by default');
      const sms = await call('POST', '/api/channel-accounts', admin, {
        channel: 'sms',
        provider: 'twilio',
        displayName: 'Second number',
        address: '+33 1 40 00 00 01',
        settings: { baseUrl: 'http://127.0.0.1:9/twilio' },
        secrets: { authToken },
      });
      assert.equal(sms.statusCode, 201, sms.body);
      secondNumber = json<ChannelAccount>(sms);
      assert.equal(secondNumber.address, '+33140000001');
      assert.equal(secondNumber.signature, false);
      const instagram = await call('POST', '/api/channel-accounts', admin, {
        channel: 'social',
        provider: 'meta',
        displayName: 'Instagram',
        address: '17841400000000002',
        settings: { network: 'instagram' },
        secrets: { appSecret, verifyToken: 'verify-PLAIN-91' },
      });
      assert.equal(instagram.statusCode, 201, instagram.body);

      const emails = json<{ items: ChannelAccount[] }>(
        await call('GET', '/api/channel-accounts?channel=email', admin),
      ).items;
      assert.deepEqual(
        emails.map((a) => a.address),
        ['care@test.rapport', 'billing@test.rapport'],
      );
      const all = json<{ items: ChannelAccount[] }>(
        await call('GET', '/api/channel-accounts', admin),
      ).items;
      assert.equal(all.filter((a) => a.channel === 'sms').length, 2);
      assert.equal(all.filter((a) => a.channel === 'social').length, 2);

      const twin = await call('POST', '/api/channel-accounts', admin, {
        channel: 'email',
        provider: 'smtp',
        displayName: 'Twin',
        address: 'billing@test.rapport',
      });
      assert.equal(twin.statusCode, 422);
      const wrongProvider = await call('POST', '/api/channel-accounts', admin, {
        channel: 'email',
        provider: 'twilio',
        displayName: 'Odd',
        address: 'odd@test.rapport',
      });
      assert.equal(wrongProvider.statusCode, 422);
      assert.match(wrongProvider.body, /email accounts are carried by smtp, webhook/);
      const secretInSettings = await call('POST', '/api/channel-accounts', admin, {
        channel: 'email',
        provider: 'smtp',
        displayName: 'Leaky',
        address: 'leaky@test.rapport',
        settings: { smtpPassword: 'hunter2' },
      });
      assert.equal(secretInSettings.statusCode, 422);
      assert.match(secretInSettings.body, /looks like a secret/);
      const badPhone = await call('POST', '/api/channel-accounts', admin, {
        channel: 'voice',
        provider: 'twilio',
        displayName: 'Bad',
        address: '12',
      });
      assert.equal(badPhone.statusCode, 422);
    });

    test('secrets are sealed in the database, answered by name only, opened for adapters', async () => {
      assert.deepEqual(secondNumber.secretsSet, ['authToken']);
      const raw = await h.ctx.store.db
        .selectFrom('channel_accounts')
        .selectAll()
        .where('id', '=', secondNumber.id)
        .executeTakeFirstOrThrow();
      assert.ok(raw.secrets?.startsWith('v1:'), 'sealed with a version prefix');
      assert.ok(!JSON.stringify(raw).includes(authToken), 'the raw row does not hold the value');
      const box = createSecretBox(secretKey);
      assert.deepEqual(await accountSecrets(h.ctx.store.db, box, secondNumber.id), { authToken });

      const rotated = await call('PATCH', `/api/channel-accounts/${secondNumber.id}`, admin, {
        secrets: { authToken: newAuthToken, webhookSecret: 'hook-PLAIN-3' },
      });
      assert.equal(rotated.statusCode, 200, rotated.body);
      assert.deepEqual(json<ChannelAccount>(rotated).secretsSet, ['authToken', 'webhookSecret']);
      const removed = await call('PATCH', `/api/channel-accounts/${secondNumber.id}`, admin, {
        secrets: { webhookSecret: null },
        displayName: 'Paris texts',
      });
      assert.deepEqual(json<ChannelAccount>(removed).secretsSet, ['authToken']);
      assert.equal(json<ChannelAccount>(removed).displayName, 'Paris texts');
      assert.deepEqual(await accountSecrets(h.ctx.store.db, box, secondNumber.id), {
        authToken: newAuthToken,
      });
      const one = await call('GET', `/api/channel-accounts/${secondNumber.id}`, admin);
      assert.deepEqual(json<ChannelAccount>(one).secretsSet, ['authToken']);
      const audit = await call('GET', '/api/events', admin);
      assert.equal(audit.statusCode, 200, audit.body);
      assert.match(audit.body, /channel-account\.changed/);
      const stored = await h.ctx.store.db
        .selectFrom('events')
        .select(['before', 'after'])
        .execute();
      assert.ok(!JSON.stringify(stored).includes(authToken), 'no event holds a secret value');
    });

    test('the desk reads which channels take replies, without settings or secret names', async () => {
      const channels = await call('GET', '/api/channels', advisor);
      assert.equal(channels.statusCode, 200);
      const items = json<{
        items: Array<{ channel: string; enabled: boolean; accounts: Array<{ address: string }> }>;
      }>(channels).items;
      assert.equal(items.length, 6);
      const sms = items.find((c) => c.channel === 'sms')!;
      assert.equal(sms.enabled, true);
      assert.deepEqual(
        sms.accounts.map((a) => a.address),
        ['+33140000000', '+33140000001'],
      );
      assert.doesNotMatch(channels.body, /secretsSet|authToken|baseUrl/);
      const forbidden = await call('GET', '/api/channel-accounts', advisor);
      assert.equal(forbidden.statusCode, 403);
    });

    test('an inbound contact stores its account, addresses, copies and thread; the reply follows them', async () => {
      const received = await inbound({
        kind: 'email',
        from: { email: 'Nina@Example.com', name: 'Nina' },
        to: 'billing@test.rapport',
        cc: ['partner@example.com'],
        threadId: '<first@mail.example.com>',
        subject: 'Invoice twice',
        text: 'I was charged twice.',
      });
      const conversation = json<{ teamId: number | null }>(
        await call('GET', `/api/conversations/${received.conversationId}`, admin),
      );
      assert.equal(conversation.teamId, h.fixture.teams.tech, "the account's team owns new cases");
      const [first] = await interactionsOf(received.conversationId);
      assert.equal(first!.accountId, billing.id);
      assert.equal(first!.from, 'nina@example.com');
      assert.equal(first!.to, 'billing@test.rapport');
      assert.deepEqual(first!.cc, ['partner@example.com']);
      assert.equal(first!.threadId, '<first@mail.example.com>');

      const tech = await h.signIn(h.fixture.people.techAdvisor.email);
      const answered = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${received.conversationId}/interactions`,
        headers: { cookie: tech },
        payload: { kind: 'email', text: 'Refunded.' },
      });
      assert.equal(answered.statusCode, 201, answered.body);
      const sent = json<Interaction>(answered);
      assert.equal(sent.accountId, billing.id, 'out on the mailbox the customer wrote to');
      assert.equal(sent.from, 'billing@test.rapport');
      assert.equal(sent.to, 'nina@example.com');
      assert.equal(sent.threadId, '<first@mail.example.com>');
      assert.equal(sent.text, 'Refunded.\n\n— TechAdvisor', 'the mailbox signs replies');

      const byId = await inbound({
        kind: 'sms',
        from: { phone: '+33612345678' },
        accountId: secondNumber.id,
        text: 'Hello?',
      });
      const [text] = await interactionsOf(byId.conversationId);
      assert.equal(text!.accountId, secondNumber.id);
      assert.equal(text!.from, '+33612345678');
      assert.equal(text!.to, '+33140000001');
      const unsigned = json<Interaction>(
        await reply(byId.conversationId, { kind: 'sms', text: 'Yes, hello.' }),
      );
      assert.equal(unsigned.text, 'Yes, hello.', 'the number does not sign');
      assert.equal(unsigned.to, '+33612345678');

      const wrongChannel = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'chat_message',
          from: { email: 'x@example.com' },
          text: 'Hi',
          accountId: billing.id,
        },
      });
      assert.equal(wrongChannel.statusCode, 422);
    });

    test('the default account: the case’s last inbound one, then the team’s, then the first enabled', async () => {
      const db = h.ctx.store.db;
      assert.equal((await defaultAccountFor(db, 'email'))?.id, h.fixture.accounts.email);
      assert.equal(
        (await defaultAccountFor(db, 'email', { teamId: h.fixture.teams.tech }))?.id,
        billing.id,
      );
      const received = await inbound({
        kind: 'email',
        from: { email: 'omar@example.com' },
        to: 'billing@test.rapport',
        text: 'Question',
      });
      assert.equal(
        (
          await defaultAccountFor(db, 'email', {
            conversationId: received.conversationId,
            teamId: h.fixture.teams.care,
          })
        )?.id,
        billing.id,
      );
    });

    test('a switched-off account refuses replies with 422; with every account off the channel does', async () => {
      const received = await inbound({
        kind: 'email',
        from: { email: 'zoe@example.com' },
        text: 'Are you there?',
      });
      const off = await call('PATCH', `/api/channel-accounts/${billing.id}`, admin, {
        enabled: false,
      });
      assert.equal(json<ChannelAccount>(off).enabled, false);
      const chosen = await reply(received.conversationId, {
        kind: 'email',
        text: 'From billing',
        accountId: billing.id,
      });
      assert.equal(chosen.statusCode, 422, chosen.body);
      assert.match(chosen.body, /Billing is switched off/);
      const fallback = await reply(received.conversationId, { kind: 'email', text: 'From care' });
      assert.equal(fallback.statusCode, 201, fallback.body);
      assert.equal(json<Interaction>(fallback).accountId, h.fixture.accounts.email);

      await call('PATCH', `/api/channel-accounts/${h.fixture.accounts.email}`, admin, {
        enabled: false,
      });
      const none = await reply(received.conversationId, { kind: 'email', text: 'Anyone?' });
      assert.equal(none.statusCode, 422, none.body);
      assert.match(none.body, /every email account is switched off/);
      const note = await reply(received.conversationId, { kind: 'note', text: 'Call her instead' });
      assert.equal(note.statusCode, 201, 'notes go out on no account');
      const channels = json<{ items: Array<{ channel: string; enabled: boolean }> }>(
        await call('GET', '/api/channels', advisor),
      ).items;
      assert.equal(channels.find((c) => c.channel === 'email')!.enabled, false);
      await call('PATCH', `/api/channel-accounts/${h.fixture.accounts.email}`, admin, {
        enabled: true,
      });
    });

    test('a reply on a channel where the customer has no address is refused with 422', async () => {
      const received = await inbound({
        kind: 'email',
        from: { email: 'no-phone@example.com' },
        text: 'Email only, please.',
      });
      const text = await reply(received.conversationId, { kind: 'sms', text: 'Texting you' });
      assert.equal(text.statusCode, 422, text.body);
      assert.match(
        text.body,
        /the customer has no address on sms: a reply there needs a phone number/,
      );
      const social = await reply(received.conversationId, { kind: 'social_dm', text: 'DM' });
      assert.equal(social.statusCode, 422);
    });

    test('without RAPPORT_SECRET_KEY a secret is refused with 422 and start-up fails naming it', async () => {
      const keyless = await startHarness(await database.open());
      try {
        const cookie = await keyless.signIn(keyless.fixture.people.admin.email);
        const refused = await keyless.app.inject({
          method: 'POST',
          url: '/api/channel-accounts',
          headers: { cookie },
          payload: {
            channel: 'voice',
            provider: 'twilio',
            displayName: 'Line',
            address: '+33140000002',
            secrets: { authToken },
          },
        });
        assert.equal(refused.statusCode, 422);
        assert.match(refused.body, /RAPPORT_SECRET_KEY/);
        assert.ok(!refused.body.includes(authToken));
      } finally {
        await keyless.close();
      }

      // This database holds sealed secrets: starting on it without the key fails at once.
      await assert.rejects(
        createContext(loadConfig({ RAPPORT_DEMO: 'false' }, { dataDir: '/nonexistent' }), {
          store: h.ctx.store,
          quiet: true,
        }),
        /RAPPORT_SECRET_KEY: is not set, but the database holds encrypted channel account secrets/,
      );
      // An empty database whose demo company would seal a token from the environment fails too.
      const empty = await database.open();
      try {
        await assert.rejects(
          createContext(
            loadConfig({ RAPPORT_DEMO_TWILIO_AUTH_TOKEN: authToken }, { dataDir: '/nonexistent' }),
            { store: empty, quiet: true },
          ),
          /RAPPORT_SECRET_KEY: is not set, but RAPPORT_DEMO_TWILIO_AUTH_TOKEN is set for the demo company/,
        );
        const withKey = await createContext(
          loadConfig(
            { RAPPORT_DEMO_TWILIO_AUTH_TOKEN: authToken, RAPPORT_SECRET_KEY: secretKey },
            { dataDir: '/nonexistent' },
          ),
          { store: empty, quiet: true },
        );
        await closeContext(withKey);
      } catch (error) {
        await empty.close();
        throw error;
      }
    });

    test('no API answer and no log line ever contains a secret value', () => {
      // A log call that hands over a whole body with secrets is censored too.
      h.ctx.logger.info({ body: { secrets: { authToken } } }, 'a careless log call');
      h.ctx.logger.info({ account: { secrets: { appSecret } } }, 'another careless log call');
      const logs = logLines.join('');
      assert.ok(logLines.length > 10, 'request logging was on: there are lines to search');
      assert.match(logs, /a careless log call/);
      for (const value of [authToken, newAuthToken, appSecret, 'hook-PLAIN-3', secretKey]) {
        assert.ok(!logs.includes(value), `a log line holds ${value}`);
        for (const answer of answers)
          assert.ok(!answer.includes(value), `an answer holds ${value}`);
      }
    });
  });
}
