import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { hashPassword, createAdvisor } from '../../advisors/advisors.ts';
import { json, password, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/smtp-sink.ts';
import { createChannelAccount } from '../channel-accounts.ts';
import { storedAccounts } from '../send-queue.ts';
import { createSecretBox } from '../../platform/secrets.ts';
import { systemActor } from '../../platform/events/event.ts';
import { startJobWorkers, type JobWorkers } from '../../platform/jobs/workers.ts';
import { sendJobs } from '../../contacts/sending.ts';
import { createOutbox } from '../../server.ts';
import type { AdapterAccount, OutboundMessage } from '../adapter.ts';
import type { Interaction } from '../../api-types/conversations.ts';
import { createEmailAdapter, smtpPasswordName } from './email-adapter.ts';
import { getBlob, putBlob } from '../blobs.ts';

const secretKey = 'a-secret-key-for-the-email-tests-0123456789';
let counter = 0;
const unique = (what: string) => `${what}-${Date.now()}-${++counter}`;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) =>
    a.value.map((v) => v.address),
  );

for (const database of await testDatabases()) {
  describe(`email replies sent by SMTP on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let sink: SmtpSink;
    let workers: JobWorkers;
    let ana: string;
    let anaId: number;
    const ids = { care: 0, billing: 0 };
    let care: AdapterAccount;
    const adapter = () => createEmailAdapter({ db: h.ctx.store.db, now: () => h.clock.now() });

    before(async () => {
      h = await startHarness(await database.open(), { config: { secretKey } });
      sink = await startSmtpSink();
      const passwordHash = await hashPassword(password);
      await h.ctx.writer.run(async (unit) => {
        anaId = (
          await createAdvisor(
            unit,
            {
              name: 'Ana Lopez',
              email: 'ana@acme.test',
              role: 'advisor',
              teamId: h.fixture.teams.care,
              shopId: null,
              passwordHash,
            },
            systemActor,
          )
        ).id;
        const box = createSecretBox(secretKey);
        const account = async (displayName: string, address: string) =>
          (
            await createChannelAccount(
              unit,
              box,
              {
                channel: 'email',
                provider: 'smtp',
                displayName,
                address,
                teamId: h.fixture.teams.care,
                settings: { smtpHost: '127.0.0.1', smtpPort: sink.port },
              },
              systemActor,
            )
          ).id;
        ids.care = await account('Acme', 'care@acme.test');
        ids.billing = await account('Acme billing', 'billing@acme.test');
      });
      care = (await storedAccounts(createSecretBox(secretKey)).byId(h.ctx.store.db, ids.care))!;
      ana = await h.signIn('ana@acme.test');
      const sends = sendJobs(h.ctx.writer, createOutbox(h.ctx));
      workers = startJobWorkers({
        dialect: h.ctx.store.dialect,
        writer: h.ctx.writer,
        logger: h.ctx.logger,
        handlers: sends.handlers,
        onDead: sends.onDead,
        pollMs: 5,
        // Jitter at its ceiling: the first retry waits exactly one second of the test's clock.
        random: () => 1,
        backoff: { baseMs: 1_000, capMs: 60_000 },
      });
    });
    after(async () => {
      await workers.stop();
      await sink.close();
      await h.close();
    });

    /** A customer's email as the inbound side stores it: the interaction and its email row. */
    const customerWrites = async (mail: {
      from: string;
      to?: string;
      cc?: string[];
      references?: string[];
      subject?: string;
    }) => {
      const messageId = `${unique('in')}@mail.example.com`;
      const received = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: mail.from, name: 'Camille' },
          subject: mail.subject ?? 'My invoice',
          text: 'Where is my invoice?',
          provider: 'smtp',
          providerId: messageId,
          accountId: ids.care,
          to: mail.to ?? 'care@acme.test',
          ...(mail.cc ? { cc: mail.cc } : {}),
        },
      });
      assert.equal(received.statusCode, 201, received.body);
      const { conversationId, interactionId } = json<{
        conversationId: number;
        interactionId: number;
      }>(received);
      const db = h.ctx.store.db;
      const raw = await putBlob(
        db,
        Buffer.from(`Message-ID: <${messageId}>\r\n\r\nhi\r\n`),
        'message/rfc822',
        h.clock.now(),
      );
      await db
        .insertInto('email_messages')
        .values({
          account_id: ids.care,
          message_id: messageId,
          raw_sha256: raw,
          via: 'smtp',
          envelope_from: mail.from,
          envelope_to: JSON.stringify([mail.to ?? 'care@acme.test']),
          interaction_id: interactionId,
          in_reply_to: mail.references?.at(-1) ?? null,
          references: JSON.stringify(mail.references ?? []),
          reply_to: null,
          authentication: 'pass',
          problems: '{}',
          remote_images: 0,
          automated_reason: null,
          created_at: h.clock.now(),
        })
        .execute();
      return { conversationId, interactionId, messageId };
    };

    /** Ana's reply stored as the desk stores one, without its send queued: the test sends it. */
    const storedReply = async (
      conversationId: number,
      reply: { to: string; text: string; cc?: string[]; subject?: string; attachments?: unknown[] },
    ) => {
      const row = await h.ctx.store.db
        .insertInto('interactions')
        .values({
          conversation_id: conversationId,
          customer_id: (
            await h.ctx.store.db
              .selectFrom('conversations')
              .select('customer_id')
              .where('id', '=', conversationId)
              .executeTakeFirstOrThrow()
          ).customer_id,
          channel: 'email',
          kind: 'email',
          direction: 'outbound',
          author_type: 'advisor',
          author_id: anaId,
          text: reply.text,
          html: null,
          attachments: JSON.stringify(reply.attachments ?? []),
          provider: null,
          provider_id: null,
          is_private: 0,
          delivery_state: 'sending',
          created_at: h.clock.now(),
          account_id: ids.care,
          from_address: 'care@acme.test',
          to_address: reply.to,
          cc: reply.cc ? JSON.stringify(reply.cc) : null,
          thread_id: null,
          subject: reply.subject ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const message: OutboundMessage = {
        interactionId: row.id,
        conversationId,
        channel: 'email',
        kind: 'email',
        to: reply.to,
        subject: 'unused: the adapter reads the reply',
        text: reply.text,
        html: null,
        attachments: [],
        threadId: null,
        idempotencyKey: `send:${row.id}`,
      };
      return message;
    };

    const caught = async (messageId: string): Promise<{ raw: Buffer; mail: ParsedMail }> => {
      const found = sink.accepted().filter((m) => m.messageId === messageId);
      assert.equal(found.length, 1, `one message ${messageId} at the sink`);
      return { raw: found[0]!.raw, mail: await simpleParser(found[0]!.raw) };
    };

    const interaction = (id: number) =>
      h.ctx.store.db
        .selectFrom('interactions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const stateBecomes = (id: number, state: string) =>
      waitFor(`interaction ${id} ${state}`, async () => {
        const row = await interaction(id);
        return row.delivery_state === state && row;
      });
    const advisorReplies = async (conversationId: number, text: string) => {
      const reply = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${conversationId}/interactions`,
        headers: { cookie: ana },
        payload: { kind: 'email', text },
      });
      assert.equal(reply.statusCode, 201, reply.body);
      return json<Interaction>(reply);
    };

    test('a reply reaches the customer from the named advisor at the address they wrote to, in their thread, with the others copied and the file attached', async () => {
      const { conversationId, messageId } = await customerWrites({
        from: 'camille@example.com',
        cc: ['bob@example.com', 'billing@acme.test', 'care+abcdef@acme.test'],
        references: ['root@mail.example.com'],
      });
      const invoice = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x10, 0x80]);
      const fileId = await putBlob(h.ctx.store.db, invoice, 'application/pdf', h.clock.now());
      const message = await storedReply(conversationId, {
        to: 'camille@example.com',
        text: 'Here is your invoice.\n\nKind regards\n\n— Ana Lopez',
        attachments: [{ id: fileId, name: 'invoice.pdf', contentType: 'application/pdf', size: 8 }],
      });
      const receipt = await adapter().send(message, care);

      const { raw, mail } = await caught(receipt.providerId);
      assert.deepEqual(mail.from?.value, [{ name: 'Ana at Acme', address: 'care@acme.test' }]);
      const token = (
        await h.ctx.store.db
          .selectFrom('reply_tokens')
          .select('token')
          .where('conversation_id', '=', conversationId)
          .executeTakeFirstOrThrow()
      ).token;
      assert.deepEqual(addresses(mail.replyTo), [`care+${token}@acme.test`]);
      assert.deepEqual(addresses(mail.to), ['camille@example.com']);
      assert.deepEqual(addresses(mail.cc), ['bob@example.com'], 'others kept, ours left out');
      assert.equal(mail.subject, 'Re: My invoice');
      assert.equal(mail.inReplyTo, `<${messageId}>`);
      assert.deepEqual(mail.references, ['<root@mail.example.com>', `<${messageId}>`]);
      assert.equal(mail.messageId, `<${receipt.providerId}>`);
      assert.equal(receipt.threadId, 'root@mail.example.com');
      assert.match(mail.text ?? '', /Here is your invoice\./);
      assert.equal((mail.text ?? '').split('— Ana Lopez').length, 2, 'signed once in the text');
      assert.match(String(mail.html), /<p>Here is your invoice\.<\/p>/);
      assert.equal(String(mail.html).split('— Ana Lopez').length, 2, 'signed once in the HTML');
      assert.equal(mail.attachments.length, 1);
      assert.equal(mail.attachments[0]!.filename, 'invoice.pdf');
      assert.ok(mail.attachments[0]!.content.equals(invoice), 'the file arrives byte for byte');
      assert.equal(mail.headers.get('auto-submitted'), undefined, 'a person wrote it');
      const envelope = sink.accepted().find((m) => m.messageId === receipt.providerId)!;
      assert.deepEqual([...envelope.to].sort(), ['bob@example.com', 'camille@example.com']);

      const stored = await h.ctx.store.db
        .selectFrom('email_messages')
        .selectAll()
        .where('message_id', '=', receipt.providerId)
        .executeTakeFirstOrThrow();
      assert.equal(stored.via, 'sent');
      assert.equal(Number(stored.interaction_id), message.interactionId);
      assert.equal(stored.in_reply_to, messageId);
      assert.deepEqual(JSON.parse(stored.references), ['root@mail.example.com', messageId]);
      assert.equal(stored.reply_to, `care+${token}@acme.test`);
      const kept = await getBlob(h.ctx.store.db, stored.raw_sha256);
      assert.ok(kept?.bytes.equals(raw), 'the raw kept is exactly what the server received');
    });

    test('the advisor’s own Cc and subject are used as given; a reply already “Re:” is not stacked', async () => {
      const { conversationId } = await customerWrites({
        from: 'noa@example.com',
        cc: ['bob@example.com'],
        subject: 'Re: Order 1234',
      });
      const own = await storedReply(conversationId, {
        to: 'noa@example.com',
        text: 'Copying our lawyer.',
        cc: ['lawyer@example.com'],
        subject: 'Your order 1234: refund',
      });
      const first = (await caught((await adapter().send(own, care)).providerId)).mail;
      assert.deepEqual(addresses(first.cc), ['lawyer@example.com'], 'never anyone else');
      assert.equal(first.subject, 'Your order 1234: refund');
      const plain = await storedReply(conversationId, { to: 'noa@example.com', text: 'And more.' });
      const second = (await caught((await adapter().send(plain, care)).providerId)).mail;
      assert.equal(second.subject, 'Re: Order 1234');
    });

    test('automatic mail carries Auto-Submitted: auto-generated; every attempt of one send has one Message-ID', async () => {
      const { conversationId } = await customerWrites({ from: 'ines@example.com' });
      const message = await storedReply(conversationId, {
        to: 'ines@example.com',
        text: 'We got your message.',
      });
      sink.answers.push({ at: 'data', code: 451, message: '4.3.0 try again later' });
      const failure = await adapter()
        .send({ ...message, automatic: true }, care)
        .then(
          () => assert.fail('a 451 was taken as sent'),
          (error: unknown) => adapter().classify(error),
        );
      assert.equal(failure.kind, 'temporary');
      assert.match(failure.message, /^451 4\.3\.0 try again later/);
      const receipt = await adapter().send({ ...message, automatic: true }, care);
      const { mail } = await caught(receipt.providerId);
      assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
      const attempts = sink.received.filter((m) => m.to.includes('ines@example.com'));
      assert.equal(attempts.length, 2);
      assert.equal(attempts[0]!.messageId, attempts[1]!.messageId);
      const again = await adapter().send({ ...message, automatic: true }, care);
      assert.equal(again.providerId, receipt.providerId);
      assert.equal(
        sink.received.filter((m) => m.to.includes('ines@example.com')).length,
        2,
        'a send already recorded as sent is not sent again',
      );
    });

    test('an advisor’s reply through the desk is sent by the job workers and shown as sent with its Message-ID', async () => {
      const { conversationId, messageId } = await customerWrites({
        from: 'leo@example.com',
        cc: ['care@acme.test', 'marie@example.com'],
      });
      const reply = await advisorReplies(conversationId, 'Your invoice is attached.');
      assert.equal(reply.deliveryState, 'queued');
      const sent = await stateBecomes(reply.id, 'sent');
      assert.equal(sent.provider, 'smtp');
      const { mail } = await caught(sent.provider_id!);
      assert.equal(mail.inReplyTo, `<${messageId}>`);
      assert.deepEqual(mail.from?.value, [{ name: 'Ana at Acme', address: 'care@acme.test' }]);
      assert.deepEqual(addresses(mail.cc), ['marie@example.com']);
      assert.equal((mail.text ?? '').split('— Ana Lopez').length, 2, 'signed once');
      const history = json<{ items: { state: string }[] }>(
        await h.app.inject({
          url: `/api/interactions/${reply.id}/delivery`,
          headers: { cookie: ana },
        }),
      ).items.map((s) => s.state);
      assert.deepEqual(history, ['queued', 'sending', 'sent']);
    });

    test('a server refusing the recipient (550) fails the reply with its reason on the case', async () => {
      const { conversationId } = await customerWrites({ from: 'gone@example.com' });
      sink.answers.push({
        at: 'rcpt',
        code: 550,
        message: '5.1.1 <gone@example.com>: Recipient address rejected',
      });
      const reply = await advisorReplies(conversationId, 'Are you still there?');
      const failed = await stateBecomes(reply.id, 'failed');
      assert.match(
        failed.delivery_reason!,
        /permanent: 550 5\.1\.1 <gone@example\.com>: Recipient address rejected/,
      );
      const shown = json<{ items: Interaction[] }>(
        await h.app.inject({
          url: `/api/conversations/${conversationId}/interactions`,
          headers: { cookie: ana },
        }),
      ).items.find((i) => i.id === reply.id)!;
      assert.equal(shown.deliveryState, 'failed');
      assert.match(shown.deliveryReason!, /Recipient address rejected/);
    });

    test('a server saying “try later” (451) has the reply retried, then sent once it takes it', async () => {
      const { conversationId } = await customerWrites({ from: 'later@example.com' });
      sink.answers.push({ at: 'data', code: 451, message: '4.7.1 greylisted, try again later' });
      const reply = await advisorReplies(conversationId, 'Here is the answer.');
      await waitFor('the first attempt to be put back in the queue', async () => {
        const job = await h.ctx.store.db
          .selectFrom('jobs')
          .select(['state', 'attempts', 'last_error'])
          .where('key', '=', `send:${reply.id}`)
          .executeTakeFirst();
        return job?.state === 'queued' && job.attempts === 1 && job;
      });
      assert.equal((await interaction(reply.id)).delivery_state, 'sending');
      h.clock.advance(1_000);
      const sent = await stateBecomes(reply.id, 'sent');
      const attempts = sink.received.filter((m) => m.to.includes('later@example.com'));
      assert.deepEqual(
        attempts.map((m) => [m.messageId, m.accepted]),
        [
          [sent.provider_id, false],
          [sent.provider_id, true],
        ],
      );
    });

    test('a copy the server refuses is noted and the reply sent; the customer refused fails it with the reason', async () => {
      const { conversationId } = await customerWrites({
        from: 'sam@example.com',
        cc: ['old-colleague@example.com'],
      });
      const message = await storedReply(conversationId, { to: 'sam@example.com', text: 'Done.' });
      sink.answers.push({
        at: 'rcpt',
        code: 550,
        message: '5.1.1 <old-colleague@example.com>: Recipient address rejected',
        address: 'old-colleague@example.com',
      });
      const receipt = await adapter().send(message, care);
      const taken = sink.accepted().find((m) => m.messageId === receipt.providerId);
      assert.deepEqual(
        taken?.to,
        ['sam@example.com'],
        'the customer got it; the refused copy did not',
      );
      const row = await h.ctx.store.db
        .selectFrom('email_messages')
        .select('problems')
        .where('message_id', '=', receipt.providerId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(row.problems), {
        rejectedRecipients: [
          {
            address: 'old-colleague@example.com',
            reason: '550 5.1.1 <old-colleague@example.com>: Recipient address rejected',
          },
        ],
      });

      const second = await storedReply(conversationId, { to: 'sam@example.com', text: 'Again.' });
      sink.answers.push({
        at: 'rcpt',
        code: 550,
        message: '5.1.1 <sam@example.com>: Recipient address rejected',
        address: 'sam@example.com',
      });
      const failure = await adapter()
        .send(second, care)
        .then(
          () => assert.fail('taken as sent though the customer was refused'),
          (error: unknown) => adapter().classify(error),
        );
      assert.equal(failure.kind, 'permanent');
      assert.equal(failure.message, '550 5.1.1 <sam@example.com>: Recipient address rejected');
    });

    test('a server that cannot be reached is a temporary failure; a refused login is a permission failure', async () => {
      const { conversationId } = await customerWrites({ from: 'nowhere@example.com' });
      const message = await storedReply(conversationId, {
        to: 'nowhere@example.com',
        text: 'Hello?',
      });
      const closed = await startSmtpSink();
      await closed.close();
      const refused = await adapter()
        .send(message, { ...care, settings: { smtpHost: '127.0.0.1', smtpPort: closed.port } })
        .then(
          () => assert.fail('sent to nowhere'),
          (error: unknown) => adapter().classify(error),
        );
      assert.equal(refused.kind, 'temporary');
      assert.match(refused.message, /ECONNREFUSED|ECONNECTION/);

      const guarded = await startSmtpSink({ login: { user: 'care', pass: 'right' } });
      try {
        const login = await adapter()
          .send(message, {
            ...care,
            settings: { smtpHost: '127.0.0.1', smtpPort: guarded.port, smtpUser: 'care' },
            secrets: { [smtpPasswordName]: 'wrong' },
          })
          .then(
            () => assert.fail('sent with a wrong password'),
            (error: unknown) => adapter().classify(error),
          );
        assert.equal(login.kind, 'permission');
        assert.match(login.message, /535/);
        const receipt = await adapter().send(message, {
          ...care,
          settings: { smtpHost: '127.0.0.1', smtpPort: guarded.port, smtpUser: 'care' },
          secrets: { [smtpPasswordName]: 'right' },
        });
        assert.equal(guarded.accepted()[0]?.messageId, receipt.providerId);
      } finally {
        await guarded.close();
      }
    });

    test('email is not taken in by webhook: the adapter refuses', () => {
      const request = { headers: {}, rawBody: Buffer.from('{}'), receivedAt: h.clock.now() };
      assert.throws(() => adapter().verify(request, care), /SMTP or IMAP, not by webhook/);
    });
  });
}
