import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import { signReply, type ChannelSetting } from './channel-settings.ts';

describe('reply signature', () => {
  test('a signed reply ends with the advisor name, escaped in HTML', () => {
    assert.deepEqual(signReply({ text: 'Done.' }, 'Léa <Martin>', { signature: true }), {
      text: 'Done.\n\n— Léa <Martin>',
    });
    assert.deepEqual(
      signReply({ text: 'Done.', html: '<p>Done.</p>' }, 'Léa <Martin>', { signature: true }),
      { text: 'Done.\n\n— Léa <Martin>', html: '<p>Done.</p><p>— Léa &#60;Martin&#62;</p>' },
    );
    assert.deepEqual(signReply({ text: 'Done.' }, 'Léa', { signature: false }), {
      text: 'Done.',
    });
  });
});

for (const database of await testDatabases()) {
  describe(`channels' settings on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let admin: string;
    let advisor: string;
    let conversationId: number;

    before(async () => {
      h = await startHarness(await database.open());
      admin = await h.signIn(h.fixture.people.admin.email);
      advisor = await h.signIn(h.fixture.people.advisor.email);
      const inbound = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: { kind: 'chat_message', from: { email: 'nina@example.com' }, text: 'Hi' },
      });
      conversationId = json<{ conversationId: number }>(inbound).conversationId;
    });
    after(() => h.close());

    const settings = async () =>
      json<{ items: ChannelSetting[] }>(
        await h.app.inject({ method: 'GET', url: '/api/channels', headers: { cookie: advisor } }),
      ).items;
    const reply = (kind: string, text: string) =>
      h.app.inject({
        method: 'POST',
        url: `/api/conversations/${conversationId}/interactions`,
        headers: { cookie: advisor },
        payload: { kind, text },
      });

    test('every channel has defaults until an administrator changes it', async () => {
      const email = (await settings()).find((s) => s.channel === 'email')!;
      assert.deepEqual(email, {
        channel: 'email',
        enabled: true,
        displayName: 'Email',
        signature: true,
        customised: false,
      });
      assert.equal((await settings()).length, 6);
    });

    test('signature on: the reply leaves with the advisor name; off: as written', async () => {
      const put = await h.app.inject({
        method: 'PUT',
        url: '/api/channels/chat',
        headers: { cookie: admin },
        payload: { enabled: true, displayName: 'Live chat', signature: true },
      });
      assert.equal(put.statusCode, 200, put.body);
      const signed = await reply('chat_message', 'It is fixed.');
      assert.equal(signed.statusCode, 201, signed.body);
      assert.equal(json(signed).text, 'It is fixed.\n\n— Advisor');
      const chat = (await settings()).find((s) => s.channel === 'chat')!;
      assert.equal(chat.displayName, 'Live chat');
      assert.equal(chat.customised, true);
      const audit = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('type', '=', 'channel.settings-changed')
        .execute();
      assert.equal(audit.length, 1);
    });

    test('a channel switched off refuses replies; notes still work', async () => {
      await h.app.inject({
        method: 'PUT',
        url: '/api/channels/chat',
        headers: { cookie: admin },
        payload: { enabled: false, displayName: 'Live chat', signature: false },
      });
      const refused = await reply('chat_message', 'Still there?');
      assert.equal(refused.statusCode, 422, refused.body);
      assert.match(refused.body, /replies on Live chat are switched off/);
      assert.equal((await reply('note', 'Customer prefers email')).statusCode, 201);
      const blank = await h.app.inject({
        method: 'PUT',
        url: '/api/channels/email',
        headers: { cookie: admin },
        payload: { enabled: true, displayName: '   ', signature: true },
      });
      assert.equal(blank.statusCode, 422);
      const unknown = await h.app.inject({
        method: 'PUT',
        url: '/api/channels/fax',
        headers: { cookie: admin },
        payload: { enabled: true, displayName: 'Fax', signature: true },
      });
      assert.equal(unknown.statusCode, 400);
    });
  });
}
