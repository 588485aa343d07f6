import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { dovecotMissing, startDovecot, type TestDovecot } from '../test/dovecot.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { createChannelAccount } from '../src/channels/channel-accounts.ts';
import { createEmailIntake } from '../src/channels/email/ingest.ts';
import {
  imapAccounts,
  startImapPolling,
  type ImapPolling,
} from '../src/channels/email/imap-poller.ts';

function mail(id: string, subject: string): string {
  return [
    'From: Camille Roux <camille@example.com>',
    'To: inbox@acme.test',
    `Subject: ${subject}`,
    `Message-ID: <${id}@example.com>`,
    'Date: Tue, 01 Dec 2026 09:00:00 +0000',
    '',
    `Hello, ${subject.toLowerCase()}.`,
    '',
  ].join('\r\n');
}

// A mailbox read over IMAP: a real Dovecot, the real poller and intake, and what a person sees.
describe('a mailbox read over IMAP, in Chromium', { skip: dovecotMissing() }, () => {
  let h: DeskHarness;
  let dovecot: TestDovecot;
  let poller: ImapPolling;
  let accountId: number;

  before(async () => {
    h = await startDeskHarness('mailbox');
    dovecot = await startDovecot();
    const box = createSecretBox(h.ctx.config.secretKey);
    accountId = await h.ctx.writer.run(
      async (unit) =>
        (
          await createChannelAccount(
            unit,
            box,
            {
              channel: 'email',
              provider: 'smtp',
              displayName: 'Shared inbox',
              address: 'inbox@acme.test',
              teamId: h.teamId,
              settings: {
                imapHost: dovecot.host,
                imapPort: dovecot.port,
                imapUser: dovecot.user,
              },
              secrets: { imapPassword: dovecot.password },
            },
            systemActor,
          )
        ).id,
    );
    const intake = createEmailIntake({
      writer: h.ctx.writer,
      db: h.ctx.store.db,
      dialect: h.ctx.store.dialect,
      defaultRegion: 'FR',
      maxAttachmentBytes: 1_000_000,
      logger: h.ctx.logger,
    });
    poller = startImapPolling({
      writer: h.ctx.writer,
      db: h.ctx.store.db,
      accounts: () => imapAccounts(h.ctx.store.db, box),
      take: async (raw, meta) => {
        await intake.take(raw, { via: 'imap', accountId: meta.accountId });
      },
      intervalMs: 300,
      backoff: { baseMs: 100, capMs: 400 },
      timeoutMs: 3_000,
      logger: h.ctx.logger,
    });
  });
  after(async () => {
    await poller?.stop();
    await dovecot?.stop();
    await h?.close();
  });

  test('a lost mailbox shows on Admin and the wall, and mail sent meanwhile reaches the desk', async () => {
    await dovecot.append(mail('first', 'Invoice question'), { seen: true });
    const { context, page } = await h.openPage();
    await h.signIn(page, 'admin');
    await page.goto(`${h.baseUrl}/desk/`);
    // Already read by someone in the mail client, still taken in.
    await page.getByText('Invoice question').first().waitFor({ timeout: 20_000 });

    await dovecot.halt();
    dovecot.deliver(mail('second', 'Refund while you were away'));
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('link', { name: 'Channels' }).click();
    const badge = page.getByTestId('mailbox-disconnected');
    // The screen reads the state when it opens: come back until the poller has noticed.
    for (let attempt = 0; (await badge.count()) === 0 && attempt < 40; attempt++) {
      await page.waitForTimeout(250);
      await page.getByRole('link', { name: 'Channels' }).click();
    }
    assert.match(await badge.innerText(), /disconnected: .*refused/);
    await h.shot(page, 'admin-mailbox-disconnected');
    await page.getByRole('link', { name: 'Wall' }).click();
    const alert = page.getByTestId('disconnected-mailboxes');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Mailbox inbox@acme\.test disconnected since/);
    await h.shot(page, 'wall-mailbox-disconnected');

    await dovecot.start();
    await alert.waitFor({ state: 'detached', timeout: 20_000 });
    await page.getByRole('link', { name: 'Desk', exact: true }).click();
    await page.getByText('Refund while you were away').first().waitFor({ timeout: 20_000 });
    await h.shot(page, 'desk-mail-backfilled');
    const taken = await h.ctx.store.db
      .selectFrom('email_messages')
      .select('message_id')
      .where('account_id', '=', accountId)
      .execute();
    assert.deepEqual(taken.map((t) => t.message_id).sort(), [
      'first@example.com',
      'second@example.com',
    ]);
    await context.close();
  });
});
