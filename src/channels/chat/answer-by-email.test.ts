import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../../test/databases.ts';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { resolveCustomer } from '../../customers/customers.ts';
import { createOutbox } from '../../../src/server.ts';
import { continueByEmail, takeOfflineMessage } from './offline.ts';
import { takeCallback } from './waiting.ts';
import { sendTranscript, transcriptText } from './transcript.ts';

test('a transcript is plain text: each message with its local time and who wrote it', () => {
  const at = Date.UTC(2026, 10, 25, 9, 5);
  assert.equal(
    transcriptText(
      'Your chat',
      [
        { at, who: 'You', text: '<b>Hi</b>', files: ['receipt.pdf'] },
        { at: at + 60_000, who: 'Ada', text: 'Hello!', files: [] },
      ],
      'Europe/Amsterdam',
    ),
    'Your chat\n\n[2026-11-25 10:05] You:\n<b>Hi</b>\n  [file: receipt.pdf]\n\n[2026-11-25 10:06] Ada:\nHello!',
  );
});

for (const database of await testDatabases()) {
  describe(`chats answered by email on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let serial = 0;

    before(async () => {
      h = await startHarness(await database.open(), { gateway: true });
    });
    after(async () => h.close());

    /** A website visitor's customer, as the widget knows them (an anonymous widget identity). */
    async function visitor(): Promise<{ id: number; customerId: number }> {
      const id = 1000 + ++serial;
      const { customerId } = await h.ctx.writer.run((unit) =>
        resolveCustomer(
          unit,
          { external: { system: 'widget-visitor', id: String(id) } },
          {
            displayName: `Website visitor ${id}`,
            defaultRegion: 'FR',
            actor: { type: 'system', id: null },
          },
        ),
      );
      return { id, customerId };
    }

    async function chat(v: { id: number }, text: string): Promise<number> {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'chat_message',
          from: { external: { system: 'widget-visitor', id: String(v.id) } },
          text,
          accountId: h.fixture.accounts.chat,
        },
      });
      assert.equal(response.statusCode, 201, response.body);
      return json<{ conversationId: number }>(response).conversationId;
    }

    const identities = (customerId: number) =>
      h.ctx.store.db
        .selectFrom('identities')
        .select(['kind', 'network', 'value'])
        .where('customer_id', '=', customerId)
        .orderBy('id')
        .execute();
    const tags = async (conversationId: number) =>
      (
        await h.ctx.store.db
          .selectFrom('conversation_tags')
          .select('tag')
          .where('conversation_id', '=', conversationId)
          .execute()
      ).map((t) => t.tag);

    test('the offline form becomes an email case, tagged, with the address unverified and the email promise from the next opening', async () => {
      const v = await visitor();
      const known = await h.ctx.writer.run((unit) =>
        resolveCustomer(
          unit,
          { email: 'jan@example.test' },
          { defaultRegion: 'FR', actor: { type: 'system', id: null } },
        ),
      );
      const hours = JSON.stringify({
        timeZone: 'Europe/Amsterdam',
        days: { thu: ['09:00', '17:00'] },
      });
      const take = () =>
        h.ctx.writer.run((unit) =>
          takeOfflineMessage(
            unit,
            {
              account: { id: h.fixture.accounts.chat, settings: { hours } },
              visitor: v,
              from: { external: { system: 'widget-visitor', id: String(v.id) } },
              message: {
                name: 'Jan <script>',
                email: 'Jan@Example.test',
                text: 'My order never came.',
              },
            },
            { defaultRegion: 'FR', dialect: h.ctx.store.dialect },
          ),
        );
      const receipt = await take();
      // Wednesday 09:00 UTC now; Thursday 08:00 UTC opening + email's 4-hour promise.
      assert.equal(receipt.answerBy, '2026-11-26T12:00:00.000Z');
      assert.equal(receipt.duplicate, false);
      const again = await take();
      assert.deepEqual(again, { ...receipt, duplicate: true }, 'a retry is the same case');
      const conversation = await h.ctx.store.db
        .selectFrom('conversations')
        .selectAll()
        .where('id', '=', receipt.conversationId)
        .executeTakeFirstOrThrow();
      assert.equal(conversation.customer_id, v.customerId, 'the visitor’s own customer');
      assert.equal(conversation.origin_channel, 'email');
      assert.equal(conversation.subject, 'Message from the website: Jan <script>');
      assert.deepEqual(await tags(receipt.conversationId), ['answer-by-email']);
      assert.deepEqual(await identities(v.customerId), [
        { kind: 'external', network: 'widget-visitor', value: String(v.id) },
        { kind: 'email', network: 'unverified', value: 'jan@example.test' },
      ]);
      assert.deepEqual(
        (await identities(known.customerId)).map((i) => i.network),
        [''],
        'the customer who owns the address is untouched: nothing merged',
      );
      const item = await h.ctx.store.db
        .selectFrom('work_items')
        .select(['channel', 'status'])
        .where('conversation_id', '=', receipt.conversationId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(item, { channel: 'email', status: 'waiting' });
    });

    test('a waiting visitor continues by email: the address kept unverified, the case tagged, the chat keeps its place', async () => {
      const v = await visitor();
      const conversationId = await chat(v, 'Hello, anyone?');
      const before = await h.ctx.store.db
        .selectFrom('work_items')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .executeTakeFirstOrThrow();
      const result = await h.ctx.writer.run((unit) =>
        continueByEmail(unit, { ...v, conversationId }, 'later@example.test', {
          type: 'channel',
          id: h.fixture.accounts.chat,
        }),
      );
      assert.equal(result, 'added');
      const repeat = await h.ctx.writer.run((unit) =>
        continueByEmail(unit, { ...v, conversationId }, 'later@example.test', {
          type: 'channel',
          id: h.fixture.accounts.chat,
        }),
      );
      assert.equal(repeat, 'known');
      assert.deepEqual(await tags(conversationId), ['answer-by-email']);
      const after = await h.ctx.store.db
        .selectFrom('work_items')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(after, before, 'the same item, untouched');
      // Another visitor giving the same address does not move it to them.
      const other = await visitor();
      const otherCase = await chat(other, 'Me too');
      const elsewhere = await h.ctx.writer.run((unit) =>
        continueByEmail(unit, { ...other, conversationId: otherCase }, 'later@example.test', {
          type: 'channel',
          id: h.fixture.accounts.chat,
        }),
      );
      assert.equal(elsewhere, 'elsewhere');
      assert.equal((await identities(other.customerId)).length, 1);
    });

    test('a waiting chat becomes a callback in its place; once taken it cannot', async () => {
      const v = await visitor();
      const conversationId = await chat(v, 'Call me maybe');
      const before = await h.ctx.store.db
        .selectFrom('work_items')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .executeTakeFirstOrThrow();
      const actor = { type: 'channel' as const, id: h.fixture.accounts.chat };
      await h.ctx.writer.run((unit) => takeCallback(unit, conversationId, '+33612345678', actor));
      const after = await h.ctx.store.db
        .selectFrom('work_items')
        .selectAll()
        .where('id', '=', before.id)
        .executeTakeFirstOrThrow();
      assert.equal(after.kind, 'callback');
      assert.equal(after.callback_number, '+33612345678');
      assert.equal(after.created_at, before.created_at);
      assert.equal(after.deadline_at, before.deadline_at);
      await assert.rejects(
        h.ctx.writer.run((unit) => takeCallback(unit, conversationId, '+33612345678', actor)),
        (error: Error & { code?: string }) => error.code === 'chat-not-waiting',
      );
      await assert.rejects(
        h.ctx.writer.run((unit) => takeCallback(unit, null, '+33612345678', actor)),
        (error: Error & { code?: string }) => error.code === 'chat-not-waiting',
      );
    });

    test('the transcript goes out by email from the team’s account, on the timeline, recorded; without an address it is refused', async () => {
      const v = await visitor();
      const conversationId = await chat(v, 'Where is <b>my</b> parcel?');
      const cookie = await h.signIn(h.fixture.people.advisor.email);
      const reply = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${conversationId}/interactions`,
        headers: { cookie },
        payload: { kind: 'chat_message', text: 'It left this morning.' },
      });
      assert.equal(reply.statusCode, 201, reply.body);
      const outbox = createOutbox(h.ctx);
      const actor = { type: 'advisor' as const, id: h.fixture.people.advisor.id };
      await assert.rejects(
        h.ctx.writer.run((unit) =>
          sendTranscript(unit, outbox, conversationId, { actor, requestedBy: 'advisor' }),
        ),
        (error: Error & { code?: string }) => error.code === 'no-email-address',
      );
      await h.ctx.writer.run((unit) =>
        continueByEmail(unit, { ...v, conversationId }, 'parcel@example.test', actor),
      );
      const row = await h.ctx.writer.run((unit) =>
        sendTranscript(unit, outbox, conversationId, { actor, requestedBy: 'advisor' }),
      );
      const retried = await h.ctx.writer.run((unit) =>
        sendTranscript(unit, outbox, conversationId, { actor, requestedBy: 'advisor' }),
      );
      assert.equal(
        retried.id,
        row.id,
        'asked again with nothing new: the same email, not a second',
      );
      assert.equal(row.kind, 'email');
      assert.equal(row.to_address, 'parcel@example.test');
      assert.equal(row.automated, 1);
      assert.equal(row.account_id, h.fixture.accounts.email);
      assert.match(row.text, /You:\nWhere is <b>my<\/b> parcel\?/);
      assert.match(row.text, /Advisor:\nIt left this morning\./);
      const event = await h.ctx.store.db
        .selectFrom('events')
        .select(['after'])
        .where('type', '=', 'chat.transcript-sent')
        .where('conversation_id', '=', conversationId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(event.after!), {
        interactionId: row.id,
        to: 'parcel@example.test',
        requestedBy: 'advisor',
        messages: 2,
      });
      const timeline = json<{ items: Array<{ id: number }> }>(
        await h.app.inject({
          method: 'GET',
          url: `/api/customers/${v.customerId}/timeline`,
          headers: { cookie },
        }),
      );
      assert.ok(
        timeline.items.some((i) => i.id === row.id),
        'on the customer’s timeline',
      );
      // The send queue takes it to the team's email account (the test gateway).
      const sent = () =>
        [...h.gateway!.provider.messages.values()].map(
          (m) => JSON.parse(m.body) as { to?: string; kind?: string },
        );
      for (let i = 0; i < 300 && !sent().some((m) => m.to === 'parcel@example.test'); i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(
        sent().some((m) => m.to === 'parcel@example.test' && m.kind === 'email'),
        JSON.stringify(sent()),
      );
    });
  });
}
