import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startHarness, json, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { createEmailIntake, type EmailIntake, type EmailIntakeResult } from './ingest.ts';
import { startSmtpInbound, type SmtpInbound } from './smtp-inbound.ts';
import { ensureReplyToken, replyAddressOf } from './threading.ts';
import { moveDelivery } from '../../conversations/delivery.ts';
import { systemActor } from '../../platform/events/event.ts';
import { eraseCustomer } from '../../customers/customers.ts';
import type { Interaction } from '../../api-types/conversations.ts';

const mailbox = 'care@test.rapport';
let serial = 0;

/** A message as a mail client writes it, CRLF line ends. */
function mail(
  headers: Record<string, string>,
  body = 'Hello, my order 4711 has not arrived.',
): Buffer {
  const all: Record<string, string> = {
    From: 'Noor Haddad <noor@example.com>',
    To: mailbox,
    Subject: 'Where is my order?',
    Date: 'Tue, 01 Dec 2026 09:00:00 +0000',
    'Message-ID': `<m${++serial}.${Date.now()}@mail.example.com>`,
    'Content-Type': 'text/plain; charset=utf-8',
    ...headers,
  };
  const lines = Object.entries(all)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}\r\n`);
}

for (const database of await testDatabases()) {
  describe(`email in on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let intake: EmailIntake;
    let smtp: SmtpInbound;
    let cookie: string;

    before(async () => {
      h = await startHarness(await database.open());
      intake = createEmailIntake({
        writer: h.ctx.writer,
        db: h.ctx.store.db,
        dialect: h.ctx.store.dialect,
        defaultRegion: 'FR',
        maxAttachmentBytes: 50_000,
        logger: h.ctx.logger,
      });
      smtp = await startSmtpInbound({
        host: '127.0.0.1',
        port: 0,
        maxBytes: 1_000_000,
        acceptsRecipient: (address) => intake.acceptsRecipient(address),
        take: async (raw, envelope) => {
          await intake.take(raw, { via: 'smtp', envelope });
        },
        logger: h.ctx.logger,
      });
      cookie = await h.signIn(h.fixture.people.supervisor.email);
    });
    after(async () => {
      await smtp.close();
      await h.close();
    });

    const take = (raw: Buffer) =>
      intake.take(raw, { via: 'smtp', envelope: { from: null, to: [mailbox] } });
    const timeline = async (conversationId: number) =>
      json<{ items: Interaction[] }>(
        await h.app.inject({
          method: 'GET',
          url: `/api/conversations/${conversationId}/interactions`,
          headers: { cookie },
        }),
      ).items;
    const caseOf = (conversationId: number) =>
      h.ctx.store.db
        .selectFrom('conversations')
        .selectAll()
        .where('id', '=', conversationId)
        .executeTakeFirstOrThrow();

    test('a mail sent over SMTP lands on a case with its raw source kept', async () => {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        ignoreTLS: true,
      });
      const info = await transport.sendMail({
        from: '"Zoë Martin" <zoe@example.org>',
        to: mailbox,
        subject: 'Ma commande 🚚',
        text: 'Bonjour, où en est ma commande ?',
        html: '<p>Bonjour, <b>où</b> en est ma commande ?</p><script>alert(1)</script>',
      });
      transport.close();
      const id = info.messageId.replace(/^<|>$/g, '');
      const row = await h.ctx.store.db
        .selectFrom('interactions')
        .selectAll()
        .where('provider_id', '=', id)
        .executeTakeFirstOrThrow();
      const [shown] = (await timeline(row.conversation_id)).filter((i) => i.id === row.id);
      assert.equal(shown!.subject, 'Ma commande 🚚');
      assert.equal(shown!.from, 'zoe@example.org');
      assert.ok(shown!.html!.includes('<b>où</b>'));
      assert.ok(!shown!.html!.includes('script'));
      const raw = await h.app.inject({
        method: 'GET',
        url: shown!.email!.rawUrl,
        headers: { cookie },
      });
      assert.equal(raw.statusCode, 200);
      assert.match(String(raw.headers['content-disposition']), /^attachment;/);
      assert.ok(raw.body.includes('Subject: =?UTF-8?'), 'the raw source as it arrived');
    });

    test('mail for a mailbox we do not host is refused at RCPT and nothing is stored', async () => {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: smtp.port,
        ignoreTLS: true,
      });
      await assert.rejects(
        transport.sendMail({
          from: 'x@example.org',
          to: 'nobody@test.rapport',
          subject: 's',
          text: 't',
        }),
        (error: { responseCode?: number }) => error.responseCode === 550,
      );
      transport.close();
    });

    test('the same Message-ID twice is stored once; a padded one is the same id', async () => {
      const first = await take(mail({ 'Message-ID': '<twice@mail.example.com>' }));
      const again = await take(mail({ 'Message-ID': '   <twice@mail.example.com>  ' }));
      assert.equal(first.duplicate, false);
      assert.equal(again.duplicate, true);
      assert.equal(again.interactionId, first.interactionId);
    });

    test('a mail without a Message-ID is kept under its content hash, once', async () => {
      const raw = mail({ 'Message-ID': '' }, 'No id at all');
      const first = await take(raw);
      const again = await take(raw);
      assert.match(first.messageId, /^[0-9a-f]{64}@rapport\.invalid$/);
      assert.equal(again.duplicate, true);
    });

    test('a reply joins its case by In-Reply-To whatever its subject says, and reopens it', async () => {
      const first = await take(mail({ Subject: 'Broken kettle', From: 'ines@example.com' }));
      const parent = await h.ctx.store.db
        .selectFrom('interactions')
        .select('provider_id')
        .where('id', '=', first.interactionId!)
        .executeTakeFirstOrThrow();
      await h.ctx.store.db
        .updateTable('conversations')
        .set({ status: 'resolved' })
        .where('id', '=', first.conversationId!)
        .execute();
      for (const subject of ['AW: Broken kettle', 'WG: Fwd: something else entirely']) {
        const reply = await take(
          mail({
            Subject: subject,
            From: 'ines@example.com',
            'In-Reply-To': `<${parent.provider_id}>`,
          }),
        );
        assert.equal(reply.conversationId, first.conversationId, subject);
      }
      assert.equal((await caseOf(first.conversationId!)).status, 'open');
    });

    test('a reply joins by References when In-Reply-To names nothing we know', async () => {
      const first = await take(mail({ Subject: 'Invoice', From: 'omar@example.com' }));
      const parent = await h.ctx.store.db
        .selectFrom('interactions')
        .select('provider_id')
        .where('id', '=', first.interactionId!)
        .executeTakeFirstOrThrow();
      const reply = await take(
        mail({
          Subject: 'Re: Invoice',
          From: 'omar@example.com',
          'In-Reply-To': '<unknown@elsewhere>',
          References: `<${parent.provider_id}> <unknown@elsewhere>`,
        }),
      );
      assert.equal(reply.conversationId, first.conversationId);
    });

    test('a reply to the per-case address joins by its token, found in Cc or Delivered-To', async () => {
      const first = await take(mail({ Subject: 'Returns', From: 'lina@example.com' }));
      const token = await ensureReplyToken(h.ctx.store.db, first.conversationId!, Date.now());
      const address = replyAddressOf(mailbox, token);
      const byCc = await take(
        mail({
          Subject: 'about my return',
          From: 'lina@example.com',
          To: 'someone@else.org',
          Cc: address,
        }),
      );
      assert.equal(byCc.conversationId, first.conversationId);
      const byDelivered = await take(
        mail({ Subject: 'hello again', From: 'lina@example.com', 'Delivered-To': address }),
      );
      assert.equal(byDelivered.conversationId, first.conversationId);
      assert.equal(await intake.acceptsRecipient(address), true);
    });

    test('a new subject from a known customer opens a new case on their record', async () => {
      const first = await take(mail({ Subject: 'Delivery', From: 'sami@example.com' }));
      const second = await take(
        mail({ Subject: 'A question about my bill', From: 'sami@example.com' }),
      );
      assert.notEqual(second.conversationId, first.conversationId);
      const [a, b] = await Promise.all([
        caseOf(first.conversationId!),
        caseOf(second.conversationId!),
      ]);
      assert.equal(a.customer_id, b.customer_id);
    });

    test('quoting another customer’s case token never appends to it: a case of its own, flagged', async () => {
      const victim = await take(mail({ Subject: 'My account', From: 'victim@example.com' }));
      const token = await ensureReplyToken(h.ctx.store.db, victim.conversationId!, Date.now());
      const intruder = await take(
        mail({
          Subject: 'Re: My account',
          From: 'intruder@example.net',
          To: replyAddressOf(mailbox, token),
        }),
      );
      assert.notEqual(intruder.conversationId, victim.conversationId);
      const [shown] = (await timeline(intruder.conversationId!)).filter(
        (i) => i.id === intruder.interactionId,
      );
      assert.equal(shown!.email!.mentionsCase, victim.conversationId);
      assert.equal((await timeline(victim.conversationId!)).length, 1);
    });

    test('a sender failing DMARC is unverified and never merged into the customer it claims to be', async () => {
      const real = await take(mail({ Subject: 'Hello', From: 'boss@example.com' }));
      const fake = await take(
        mail({
          Subject: 'Urgent: change my bank details',
          From: 'boss@example.com',
          'Authentication-Results':
            'mx.test.rapport; spf=fail smtp.mailfrom=evil.test; dmarc=fail header.from=example.com',
        }),
      );
      const [a, b] = await Promise.all([
        caseOf(real.conversationId!),
        caseOf(fake.conversationId!),
      ]);
      assert.notEqual(a.customer_id, b.customer_id);
      const [shown] = (await timeline(fake.conversationId!)).filter(
        (i) => i.id === fake.interactionId,
      );
      assert.equal(shown!.email!.authentication, 'fail');
    });

    test('a Reply-To that differs from From is shown to the advisor', async () => {
      const taken = await take(
        mail({ From: 'pat@example.com', 'Reply-To': 'pat.other@example.net' }),
      );
      const [shown] = (await timeline(taken.conversationId!)).filter(
        (i) => i.id === taken.interactionId,
      );
      assert.equal(shown!.email!.replyToDiffers, true);
      assert.equal(shown!.email!.replyTo, 'pat.other@example.net');
    });

    test('auto-replies, lists and mailer-daemon mail are recorded, never routed', async () => {
      const shapes: Record<string, string>[] = [
        { 'Auto-Submitted': 'auto-replied', Subject: 'Out of office' },
        { Precedence: 'bulk' },
        { 'List-Id': '<news.example.com>' },
        { 'X-Autoreply': 'yes', Subject: '[Ticket #99812] We received your request' },
        { From: 'MAILER-DAEMON@mx.example.com' },
      ];
      for (const headers of shapes) {
        const taken = await take(mail({ From: 'auto@example.com', ...headers }));
        assert.equal(taken.outcome, 'automated', JSON.stringify(headers));
        const work = await h.ctx.store.db
          .selectFrom('work_items')
          .select('id')
          .where('conversation_id', '=', taken.conversationId!)
          .execute();
        assert.equal(work.length, 0, JSON.stringify(headers));
      }
    });

    test('a bounce marks the message it bounces as delivery failed, with the reason, and opens no case', async () => {
      const first = await take(mail({ Subject: 'Parcel', From: 'gone@example.com' }));
      const reply = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${first.conversationId}/interactions`,
        headers: { cookie },
        payload: { kind: 'email', text: 'It ships tomorrow.' },
      });
      assert.equal(reply.statusCode, 201, reply.body);
      const sent = json<Interaction>(reply);
      const ourId = `rapport.${sent.id}@test.rapport`;
      await h.ctx.writer.run((unit) =>
        moveDelivery(
          unit,
          sent.id,
          { to: 'sent', provider: 'smtp', providerId: ourId },
          systemActor,
        ),
      );
      const cases = async () =>
        Number(
          (
            await h.ctx.store.db
              .selectFrom('conversations')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await cases();
      const boundary = 'b0unce';
      const dsn = [
        'From: Mail Delivery System <MAILER-DAEMON@mx.example.com>',
        `To: ${mailbox}`,
        'Subject: Undelivered Mail Returned to Sender',
        `Message-ID: <dsn.${Date.now()}@mx.example.com>`,
        `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
        '',
        `--${boundary}`,
        'Content-Type: text/plain',
        '',
        'Your message could not be delivered.',
        `--${boundary}`,
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example.com',
        '',
        'Final-Recipient: rfc822; gone@example.com',
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: user unknown',
        `--${boundary}`,
        'Content-Type: text/rfc822-headers',
        '',
        `Message-ID: <${ourId}>`,
        'Subject: Re: Parcel',
        `--${boundary}--`,
        '',
      ].join('\r\n');
      const bounce = await take(Buffer.from(dsn));
      assert.equal(bounce.outcome, 'bounce');
      assert.equal(await cases(), before);
      const after = (await timeline(first.conversationId!)).find((i) => i.id === sent.id)!;
      assert.equal(after.deliveryState, 'failed');
      assert.match(after.deliveryReason!, /delivery failed: .*user unknown/);
    });

    test('an unreadable message is stored raw and flagged for an advisor, never dropped', async () => {
      const garbage = Buffer.concat([
        Buffer.from(
          'From: broken@example.com\r\nSubject: broken\r\nMessage-ID: <broken.1@example.com>\r\n',
        ),
        Buffer.from('Content-Type: multipart/mixed; boundary="never-there"\r\n\r\n'),
        Buffer.from([0, 1, 2, 255, 254, 0, 0, 13, 10]),
      ]);
      const taken = await take(garbage);
      assert.ok(taken.interactionId !== null, 'stored as an interaction');
      const [shown] = (await timeline(taken.conversationId!)).filter(
        (i) => i.id === taken.interactionId,
      );
      const raw = await h.app.inject({
        method: 'GET',
        url: shown!.email!.rawUrl,
        headers: { cookie },
      });
      assert.equal(raw.statusCode, 200);
      assert.deepEqual(raw.rawPayload, garbage);
      if (taken.outcome === 'unreadable') assert.ok(shown!.email!.unreadable);
    });

    test('attachments are stored by hash, downloadable, never served as HTML; inline images get our address', async () => {
      const boundary = 'mixed1';
      const raw = [
        'From: Noor <noor@example.com>',
        `To: ${mailbox}`,
        'Subject: photos',
        `Message-ID: <att.${Date.now()}@example.com>`,
        `Content-Type: multipart/related; boundary="${boundary}"`,
        '',
        `--${boundary}`,
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>See <img src="cid:logo@x"> and <img src="https://tracker.example/pixel.gif"></p>',
        `--${boundary}`,
        'Content-Type: image/png',
        'Content-ID: <logo@x>',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('89504e470d0a1a0a', 'hex').toString('base64'),
        `--${boundary}`,
        'Content-Type: text/html; name="evil.html"',
        'Content-Disposition: attachment; filename="evil.html"',
        '',
        '<script>steal()</script>',
        `--${boundary}`,
        'Content-Type: application/octet-stream; name="big.bin"',
        'Content-Disposition: attachment; filename="big.bin"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.alloc(60_000, 7).toString('base64'),
        `--${boundary}--`,
        '',
      ].join('\r\n');
      const taken = await take(Buffer.from(raw));
      const [shown] = (await timeline(taken.conversationId!)).filter(
        (i) => i.id === taken.interactionId,
      );
      const evil = shown!.attachments.find((a) => a.name === 'evil.html')!;
      const file = await h.app.inject({ method: 'GET', url: evil.href!, headers: { cookie } });
      assert.equal(file.statusCode, 200);
      assert.equal(file.headers['content-type'], 'application/octet-stream');
      assert.match(String(file.headers['content-disposition']), /^attachment;/);
      assert.equal(file.body, '<script>steal()</script>');
      const logo = shown!.attachments.find((a) => a.contentId === 'logo@x')!;
      assert.ok(shown!.html!.includes(`src="${logo.href}"`), shown!.html!);
      assert.doesNotMatch(shown!.html!, /\ssrc="https:\/\/tracker/, 'remote image blocked');
      assert.match(shown!.html!, /data-remote-src="https:\/\/tracker/);
      assert.equal(shown!.email!.remoteImages, true);
      assert.deepEqual(
        shown!.email!.refused.map((r) => r.name),
        ['big.bin'],
      );
      const advisor = await h.signIn(h.fixture.people.techAdvisor.email);
      const other = await h.app.inject({
        method: 'GET',
        url: evil.href!,
        headers: { cookie: advisor },
      });
      assert.equal(other.statusCode, 404, 'not for someone who may not see the case');
    });

    test('a new email is acknowledged automatically, at most three times an hour to one address', async () => {
      const settings = (value: Record<string, unknown>) =>
        h.ctx.store.db
          .updateTable('channel_accounts')
          .set({ settings: JSON.stringify(value) })
          .where('address', '=', mailbox)
          .execute();
      await settings({ acknowledge: true });
      try {
        const taken: EmailIntakeResult[] = [];
        for (const n of [1, 2, 3, 4])
          taken.push(await take(mail({ Subject: `Question ${n}`, From: 'eager@example.com' })));
        const acks = await h.ctx.store.db
          .selectFrom('interactions')
          .selectAll()
          .where('to_address', '=', 'eager@example.com')
          .where('direction', '=', 'outbound')
          .execute();
        assert.equal(acks.length, 3, 'capped at three an hour');
        const first = acks.find((a) => a.conversation_id === taken[0]!.conversationId)!;
        assert.equal(first.automated, 1);
        assert.equal(first.author_type, 'system');
        assert.equal(first.subject, `[#${taken[0]!.conversationId}] Question 1`);
        assert.match(first.text, new RegExp(`case number is ${taken[0]!.conversationId}`));
        // An auto-reply is never acknowledged: two machines must not answer each other.
        const auto = await take(
          mail({
            Subject: 'Out of office',
            From: 'robot@example.com',
            'Auto-Submitted': 'auto-replied',
          }),
        );
        const toRobot = await h.ctx.store.db
          .selectFrom('interactions')
          .select('id')
          .where('conversation_id', '=', auto.conversationId!)
          .where('direction', '=', 'outbound')
          .execute();
        assert.equal(toRobot.length, 0);
        // A reply that lost its headers finds its case by the number in the subject.
        const reply = await take(
          mail({
            Subject: `Re: [#${taken[1]!.conversationId}] Question 2`,
            From: 'eager@example.com',
          }),
        );
        assert.equal(reply.conversationId, taken[1]!.conversationId);
        // Someone else quoting that number is not joined to it.
        const other = await take(
          mail({
            Subject: `Re: [#${taken[1]!.conversationId}] Question 2`,
            From: 'nosy@example.net',
          }),
        );
        assert.notEqual(other.conversationId, taken[1]!.conversationId);
      } finally {
        await settings({});
      }
    });

    test('erasing a customer removes their mail: raw sources, files and what was read from them', async () => {
      const taken = await take(
        mail({ Subject: 'Please forget me', From: 'forget.me@example.com' }, 'My secret is quince'),
      );
      const raw = await h.ctx.store.db
        .selectFrom('email_messages')
        .select('raw_sha256')
        .where('interaction_id', '=', taken.interactionId!)
        .executeTakeFirstOrThrow();
      const { customer_id } = await caseOf(taken.conversationId!);
      await h.ctx.writer.run((unit) =>
        eraseCustomer(unit, customer_id, systemActor, h.ctx.store.dialect),
      );
      const left = await h.ctx.store.db
        .selectFrom('blobs')
        .select('sha256')
        .where('sha256', '=', raw.raw_sha256)
        .execute();
      assert.equal(left.length, 0);
      const rows = await h.ctx.store.db
        .selectFrom('email_messages')
        .select('id')
        .where('interaction_id', '=', taken.interactionId!)
        .execute();
      assert.equal(rows.length, 0);
    });
  });
}
