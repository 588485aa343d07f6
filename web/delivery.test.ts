import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { startFakeProvider, type FakeProvider } from '../test/fake-provider.ts';
import { startJobWorkers, type JobWorkers } from '../src/platform/jobs/workers.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { createChannelAccount, disableChannelAccount } from '../src/channels/channel-accounts.ts';
import { sendJobs } from '../src/contacts/sending.ts';
import { createOutbox } from '../src/server.ts';

describe('a failed send on the desk, in Chromium', () => {
  let h: DeskHarness;
  let provider: FakeProvider;
  let workers: JobWorkers;

  before(async () => {
    h = await startDeskHarness('delivery');
    provider = await startFakeProvider();
    // SMS leave through the company's own gateway, whose API is the fake provider.
    await h.ctx.writer.run(async (unit) => {
      const twilio = await unit.db
        .selectFrom('channel_accounts')
        .select('id')
        .where('channel', '=', 'sms')
        .executeTakeFirstOrThrow();
      await disableChannelAccount(unit, twilio.id, systemActor);
      await createChannelAccount(
        unit,
        createSecretBox(h.ctx.config.secretKey),
        {
          channel: 'sms',
          provider: 'webhook',
          displayName: 'SMS gateway',
          address: '+33140000200',
          teamId: h.teamId,
          settings: { sendUrl: `${provider.url}/messages` },
          secrets: { signingSecret: 'browser-test-gateway-secret' },
        },
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
  });
  after(async () => {
    await workers.stop();
    await provider.close();
    await h.close();
  });

  test('a reply the provider refuses shows a banner with the reason; Retry after the fix sends it', async () => {
    const { conversationId } = await h.inbound({
      kind: 'sms',
      from: { phone: '+33698765432', name: 'Hugo Petit' },
      text: 'Is my new SIM card on its way?',
    });
    const { page } = await h.openPage();
    await h.signIn(page, 'advisor');
    await page.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    await page.locator('.timeline').getByText('Is my new SIM card on its way?').waitFor();

    provider.answers.push({ status: 400, body: '{"error":"the number does not take SMS"}' });
    await page.keyboard.press('r');
    const box = page.getByLabel('Message to Hugo Petit');
    await box.fill('Yes, it left this morning.');
    await box.press('Control+Enter');

    // The failure arrives live (an interaction.delivery-changed event): no reload.
    const banner = page.locator('.send-failed');
    await banner.waitFor();
    assert.match(await banner.innerText(), /could not be sent/);
    assert.match(await banner.innerText(), /400/);
    assert.match(await banner.innerText(), /the number does not take SMS/);
    const entry = page.locator('.timeline .entry.outbound', { hasText: 'it left this morning' });
    assert.match(await entry.innerText(), /failed to send/);
    await h.shot(page, 'reply-failed-banner');

    // The gateway is fixed: the provider takes the next attempt.
    await banner.getByRole('button', { name: 'Retry sending' }).click();
    await entry.locator('.delivery.d-sent').waitFor();
    assert.equal(await page.locator('.send-failed').count(), 0, 'the banner is gone');
    assert.match(await entry.innerText(), /\bsent\b/);
    assert.equal(provider.messages.size, 1, 'the provider took one message');
    await h.shot(page, 'reply-sent-after-retry');
  });
});
