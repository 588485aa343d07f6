import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import nodemailer from 'nodemailer';
import { simpleParser, type ParsedMail } from 'mailparser';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { startJobWorkers, type JobWorkers } from '../src/platform/jobs/workers.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { updateChannelAccount } from '../src/channels/channel-accounts.ts';
import { putBlob } from '../src/channels/blobs.ts';
import { createEmailIntake, type EmailIntakeResult } from '../src/channels/email/ingest.ts';
import { startSmtpInbound, type SmtpInbound } from '../src/channels/email/smtp-inbound.ts';
import { ensureReplyToken, replyAddressOf } from '../src/channels/email/threading.ts';
import { sendJobs } from '../src/contacts/sending.ts';
import { createOutbox } from '../src/server.ts';

const artifacts = path.resolve(import.meta.dirname, '../test-artifacts');
const mailbox = 'care@test.rapport';
let serial = 0;

/** A message as a mail client writes it, CRLF line ends. */
function message(headers: Record<string, string>, body: string): string {
  const all: Record<string, string> = {
    To: mailbox,
    Date: new Date().toUTCString(),
    'Message-ID': `<desk.${++serial}.${Date.now()}@mail.example.com>`,
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    ...headers,
  };
  const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}\r\n`;
}

/**
 * The company's mail server as Rapport sees it: a real SMTP server on loopback that keeps every mail
 * and, like a real one, refuses a mailbox that no longer exists (550).
 */
async function startMailServer(): Promise<{
  port: number;
  mails: ParsedMail[];
  close(): Promise<void>;
}> {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, done) {
      if (address.address.startsWith('gone@'))
        return done(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
      done();
    },
    onData(stream, _session, done) {
      simpleParser(stream).then(
        (mail) => {
          mails.push(mail);
          done();
        },
        (error: Error) => done(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('email on the desk, in Chromium', () => {
  let h: DeskHarness;
  let mail: Awaited<ReturnType<typeof startMailServer>>;
  let workers: JobWorkers;
  let page: Page;
  let smtp: SmtpInbound;
  const taken: EmailIntakeResult[] = [];

  before(async () => {
    h = await startDeskHarness('email');
    mail = await startMailServer();
    // Replies leave through the company's mail server.
    await h.ctx.writer.run(async (unit) => {
      const account = await unit.db
        .selectFrom('channel_accounts')
        .select('id')
        .where('channel', '=', 'email')
        .executeTakeFirstOrThrow();
      await updateChannelAccount(
        unit,
        createSecretBox(h.ctx.config.secretKey),
        account.id,
        { settings: { smtpHost: '127.0.0.1', smtpPort: mail.port, smtpSecure: false } },
        systemActor,
      );
    });
    const sends = sendJobs(h.ctx.writer, createOutbox(h.ctx));
    workers = startJobWorkers({
      dialect: h.ctx.store.dialect,
      writer: h.ctx.writer,
      logger: h.ctx.logger,
      handlers: sends.handlers,
      onDead: sends.onDead,
      pollMs: 20,
    });
    // Mail comes in as in production: over SMTP into Rapport's own server and its intake. Files
    // over 50 KB are left out here, so a small message shows a refused one.
    const intake = createEmailIntake({
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
        taken.push(await intake.take(raw, { via: 'smtp', envelope }));
      },
      logger: h.ctx.logger,
    });
    ({ page } = await h.openPage());
    await h.signIn(page, 'advisor');
  });
  after(async () => {
    await workers.stop();
    await smtp.close();
    await mail.close();
    await h.close();
  });

  /** Sends `raw` to Rapport's SMTP server as a customer's mail server would; answers what became of it. */
  async function mailIn(
    raw: string,
    from: string,
  ): Promise<{ interactionId: number; conversationId: number }> {
    const client = nodemailer.createTransport({
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      ignoreTLS: true,
    });
    await client.sendMail({ envelope: { from, to: [mailbox] }, raw });
    client.close();
    const { interactionId, conversationId, outcome } = taken.at(-1)!;
    assert.ok(interactionId !== null && conversationId !== null, `the mail was ${outcome}`);
    return { interactionId, conversationId };
  }

  /** Saves the step's screenshot as test-artifacts/<name>.png, where the issue asks for it. */
  const save = (name: string) =>
    page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

  /**
   * What the email intake records beside an interaction it could not read (its `email_messages`
   * row, its raw source), written here directly: the parser reads nearly anything, so no mail sent
   * in is sure to come out unreadable.
   */
  async function flagUnreadable(interactionId: number, raw: string, reason: string): Promise<void> {
    await h.ctx.writer.run(async (unit) => {
      const sha256 = await putBlob(unit.db, Buffer.from(raw), 'message/rfc822', unit.now);
      await unit.db
        .insertInto('email_messages')
        .values({
          account_id: null,
          message_id: `unreadable.${interactionId}@rapport.invalid`,
          raw_sha256: sha256,
          via: 'smtp',
          envelope_from: null,
          envelope_to: null,
          interaction_id: interactionId,
          in_reply_to: null,
          references: '[]',
          reply_to: null,
          authentication: 'none',
          problems: JSON.stringify({ unreadable: reason }),
          remote_images: 0,
          automated_reason: null,
          created_at: unit.now,
        })
        .execute();
    });
  }

  test('an advisor answers an email with Cc and a file, and sees it sent', async () => {
    const { conversationId } = await mailIn(
      message(
        {
          From: 'Inès Dubois <ines.dubois@example.com>',
          Cc: `marc.dubois@example.com, ${mailbox}`,
          Subject: 'Router keeps dropping',
        },
        'My router drops the line every evening. My husband Marc is in copy.',
      ),
      'ines.dubois@example.com',
    );
    await page.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    await page.locator('.timeline').getByText('My router drops the line').waitFor();
    await page.keyboard.press('r');

    const fields = page.locator('.composer .email-fields');
    assert.equal(await fields.getByLabel('To').inputValue(), 'ines.dubois@example.com');
    assert.equal(
      await fields.getByLabel('Cc').inputValue(),
      'marc.dubois@example.com',
      'the other recipient is copied, our own mailbox is not',
    );
    assert.equal(await fields.getByLabel('Subject').inputValue(), 'Re: Router keeps dropping');

    // A file over 10 MB is refused in the browser, before any upload.
    const picker = fields.getByLabel('Attach files');
    await picker.setInputFiles({
      name: 'scan.tiff',
      mimeType: 'image/tiff',
      buffer: Buffer.alloc(11 * 1024 * 1024),
    });
    await fields.getByRole('alert').waitFor();
    assert.match(
      await fields.getByRole('alert').innerText(),
      /scan\.tiff is 11\.5 MB: files over 10 MB cannot be attached/,
    );

    await picker.setInputFiles({
      name: 'line-test.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Line test: 3 drops between 19:00 and 22:00.\n'),
    });
    await fields.getByRole('button', { name: 'Remove line-test.txt' }).waitFor();
    assert.match(await fields.locator('.attachments').innerText(), /line-test\.txt \(1 kB\)/);
    await fields.getByLabel('Cc').fill('marc.dubois@example.com, support@isp.example');
    await page.getByLabel('Message to Inès Dubois').fill('We will replace the router this week.');
    await save('email-composer');
    await page.getByRole('button', { name: 'Send reply' }).click();

    const entry = page.locator('.timeline .entry.outbound', { hasText: 'replace the router' });
    await entry.locator('.delivery.d-sent').waitFor();
    assert.match(await entry.innerText(), /\bsent\b/);
    assert.match(await entry.innerText(), /Cc marc\.dubois@example\.com, support@isp\.example/);
    assert.equal(mail.mails.length, 1, 'one mail reached the mail server');
    const sent = mail.mails[0]!;
    assert.equal(sent.subject, 'Re: Router keeps dropping');
    const addresses = (field: ParsedMail['cc']) =>
      (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) =>
        a.value.map((v) => v.address),
      );
    assert.deepEqual(addresses(sent.to), ['ines.dubois@example.com']);
    assert.deepEqual(addresses(sent.cc).sort(), ['marc.dubois@example.com', 'support@isp.example']);
    assert.deepEqual(
      sent.attachments.map((a) => [a.filename, a.content.toString()]),
      [['line-test.txt', 'Line test: 3 drops between 19:00 and 22:00.\n']],
    );
    await h.shot(page, 'reply-sent');
  });

  test('a reply the mail server refuses shows as failed with its reason, and can be retried', async () => {
    const { conversationId } = await mailIn(
      message({ From: 'gone@example.com', Subject: 'Closing my account' }, 'Please close it.'),
      'gone@example.com',
    );
    await page.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    await page.locator('.timeline').getByText('Please close it.').waitFor();
    await page.keyboard.press('r');
    await page.getByLabel('Message to gone').fill('Your account is closed.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    const entry = page.locator('.timeline .entry.outbound', { hasText: 'Your account is closed' });
    await entry.locator('.delivery.d-failed').waitFor();
    assert.match(await entry.innerText(), /failed to send: .*550/);
    const banner = page.locator('.send-failed');
    assert.match(await banner.innerText(), /could not be sent.*550/s);
    await banner.getByRole('button', { name: 'Retry sending' }).waitFor();
    await h.shot(page, 'reply-refused');
  });

  test('remote images stay blocked until the advisor shows them, for that message only', async () => {
    const withPicture = (subject: string, html: string) =>
      mailIn(
        message(
          {
            From: 'Hugo Petit <hugo.petit@example.com>',
            Subject: subject,
            'Content-Type': 'text/html; charset=utf-8',
          },
          html,
        ),
        'hugo.petit@example.com',
      );
    const first = await withPicture(
      'My broken screen',
      '<p>Here is the <b>screen</b>:</p><img src="https://images.example.com/screen.jpg" alt="screen"><script>parent.document.title="owned"</script>',
    );
    const second = await withPicture(
      'My broken screen',
      '<p>And the box:</p><img src="https://images.example.com/box.jpg" alt="box">',
    );
    await page.goto(`${h.baseUrl}/desk/c/${second.conversationId}`);
    const entryOf = (id: number) => page.locator(`.timeline .entry[data-interaction="${id}"]`);
    const imageOf = (id: number) =>
      page.frameLocator(`.entry[data-interaction="${id}"] iframe.email-html`).locator('img');
    await imageOf(first.interactionId).waitFor();
    await imageOf(second.interactionId).waitFor();
    assert.equal(await imageOf(first.interactionId).getAttribute('src'), null, 'blocked');
    assert.match(await entryOf(first.interactionId).innerText(), /Remote images are blocked/);
    assert.equal(
      await entryOf(first.interactionId).locator('iframe').getAttribute('sandbox'),
      'allow-same-origin allow-popups allow-popups-to-escape-sandbox',
      'nothing in the message can run',
    );
    await save('email-remote-images');

    await entryOf(first.interactionId).getByRole('button', { name: 'Show images' }).click();
    await page.waitForFunction(
      (id) =>
        (
          document.querySelector(`.entry[data-interaction="${id}"] iframe`) as HTMLIFrameElement
        ).contentDocument
          ?.querySelector('img')
          ?.getAttribute('src') === 'https://images.example.com/screen.jpg',
      first.interactionId,
    );
    assert.equal(await entryOf(first.interactionId).locator('.remote-images').count(), 0);
    assert.equal(
      await imageOf(second.interactionId).getAttribute('src'),
      null,
      'the other message keeps its images blocked',
    );
    assert.equal(
      await imageOf(second.interactionId).getAttribute('data-remote-src'),
      'https://images.example.com/box.jpg',
    );
    await h.shot(page, 'images-shown');
  });

  test('an inline image shows in the message from our own storage, not as a file', async () => {
    const pixel =
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const { interactionId, conversationId } = await mailIn(
      message(
        {
          From: 'Hugo Petit <hugo.petit@example.com>',
          Subject: 'The label on the box',
          'Content-Type': 'multipart/related; boundary="r1"',
        },
        [
          '--r1',
          'Content-Type: text/html; charset=utf-8',
          '',
          '<p>The label says:</p><img src="cid:label@hugo" alt="label">',
          '--r1',
          'Content-Type: image/png',
          'Content-ID: <label@hugo>',
          'Content-Transfer-Encoding: base64',
          '',
          pixel,
          '--r1--',
        ].join('\n'),
      ),
      'hugo.petit@example.com',
    );
    await page.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    const entry = `.entry[data-interaction="${interactionId}"]`;
    await page.frameLocator(`${entry} iframe.email-html`).locator('img').waitFor();
    await page.waitForFunction((selector) => {
      const frame = document.querySelector(`${selector} iframe`) as HTMLIFrameElement;
      const img = frame.contentDocument?.querySelector('img');
      return img !== null && img !== undefined && img.complete && img.naturalWidth === 1;
    }, entry);
    const src = await page
      .frameLocator(`${entry} iframe.email-html`)
      .locator('img')
      .getAttribute('src');
    assert.match(src ?? '', new RegExp(`^/api/interactions/${interactionId}/attachments/\\d+$`));
    assert.equal(await page.locator(`${entry} .attachments`).count(), 0, 'not listed as a file');
  });

  test('an unreadable email is flagged with its raw message to download', async () => {
    const raw =
      'From: broken@example.com\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n';
    const { interactionId, conversationId } = await h.inbound({
      kind: 'email',
      from: { email: 'broken@example.com' },
      subject: '(unreadable message)',
      text: '(this message could not be read)',
    });
    await flagUnreadable(interactionId, raw, 'the MIME structure is broken');
    await page.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    const entry = page.locator(`.timeline .entry[data-interaction="${interactionId}"]`);
    await entry.getByText('This message could not be read', { exact: true }).waitFor();
    assert.match(await entry.innerText(), /the MIME structure is broken/);
    const download = entry.getByRole('link', { name: 'Download raw message' });
    assert.equal(await download.getAttribute('href'), `/api/interactions/${interactionId}/raw`);
    assert.equal(
      await entry.getByRole('link', { name: 'Raw message', exact: true }).getAttribute('href'),
      `/api/interactions/${interactionId}/raw`,
      'every email has its raw message',
    );
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      void file.createReadStream().then((stream) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve(Buffer.concat(chunks)));
        stream.on('error', reject);
      }, reject);
    });
    assert.equal(bytes.toString(), raw, 'the raw message as it arrived');
    await save('email-unreadable');
  });

  test('a suspicious email shows what its headers revealed', async () => {
    // Someone else's case, whose reply address the mail below quotes.
    const victim = await mailIn(
      message({ From: 'noor@example.com', Subject: 'My account' }, 'Please check my account.'),
      'noor@example.com',
    );
    const token = await ensureReplyToken(h.ctx.store.db, victim.conversationId, Date.now());
    const video = Buffer.alloc(60_000, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
    const { interactionId, conversationId } = await mailIn(
      message(
        {
          'Authentication-Results':
            'mx.test.rapport; spf=fail smtp.mailfrom=examp1e.com; dmarc=fail header.from=examp1e.com',
          From: 'Billing <billing@examp1e.com>',
          'Reply-To': 'payments@elsewhere.example',
          To: replyAddressOf(mailbox, token),
          Subject: 'Re: My account',
          'Content-Type': 'multipart/mixed; boundary="b1"',
        },
        [
          '--b1',
          'Content-Type: text/plain; charset=utf-8',
          '',
          'Please pay into the new account.',
          '--b1',
          'Content-Type: video/quicktime; name="video.mov"',
          'Content-Disposition: attachment; filename="video.mov"',
          'Content-Transfer-Encoding: base64',
          '',
          video,
          '--b1--',
        ].join('\n'),
      ),
      'billing@examp1e.com',
    );
    assert.notEqual(conversationId, victim.conversationId, 'not joined to the case it quotes');
    await page.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    const entry = page.locator(`.timeline .entry[data-interaction="${interactionId}"]`);
    await entry.getByText('Unverified sender (DMARC failed)').waitFor();
    const shown = await entry.innerText();
    assert.match(shown, /Replies go to payments@elsewhere\.example, not the sender/);
    assert.match(
      shown,
      new RegExp(`quotes case #${victim.conversationId} of another customer — not joined`, 'i'),
    );
    assert.match(shown, /video\.mov \(60 kB\) — left out: too large/);
    await h.shot(page, 'suspicious-email');
  });

  test('"New email" on the customer card opens a new case with the email sent', async () => {
    const { customerId } = await h.inbound({
      kind: 'email',
      from: { email: 'chloe.martin@example.com', name: 'Chloé Martin' },
      subject: 'Moving house',
      text: 'I move on the 12th.',
    });
    const before = mail.mails.length;
    await page.goto(`${h.baseUrl}/desk/customers/${customerId}`);
    await page.getByRole('button', { name: 'New email' }).click();
    const dialog = page.getByRole('dialog', { name: 'New email to Chloé Martin' });
    assert.equal(await dialog.getByLabel('To').inputValue(), 'chloe.martin@example.com');
    await dialog.getByLabel('Subject').fill('Your new address is set');
    await dialog.getByLabel('Message').fill('Your line moves with you on the 12th.');
    await dialog.getByLabel('Attach files').setInputFiles({
      name: 'moving-checklist.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('1. Unplug the router\n2. Bring it along\n'),
    });
    await dialog.getByRole('button', { name: 'Remove moving-checklist.txt' }).waitFor();
    await save('email-new-from-card');
    await dialog.getByRole('button', { name: 'Send email' }).click();

    await page.getByRole('heading', { name: /Your new address is set/ }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/desk\/c\/\d+$/);
    const entry = page.locator('.timeline .entry.outbound', { hasText: 'moves with you' });
    await entry.locator('.delivery.d-sent').waitFor();
    assert.equal(mail.mails.length, before + 1);
    assert.equal(mail.mails.at(-1)!.subject, 'Your new address is set');
    await h.shot(page, 'new-case');
  });
});
