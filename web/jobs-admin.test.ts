import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { startFakeProvider, type FakeProvider } from '../test/fake-provider.ts';
import { startJobWorkers, type JobWorkers } from '../src/platform/jobs/workers.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { createChannelAccount, disableChannelAccount } from '../src/channels/channel-accounts.ts';
import { sendJobs } from '../src/contacts/sending.ts';
import { createOutbox } from '../src/server.ts';
import { startWebhookFanOut, webhookJobs } from '../src/integrations/delivery.ts';
import {
  checkSubscriptionUrl,
  createSubscription,
  newSealedSecret,
  replaceAllowList,
} from '../src/integrations/webhooks.ts';

describe('the background jobs admin screen, in Chromium', () => {
  let h: DeskHarness;
  let provider: FakeProvider;
  let workers: JobWorkers;
  let stopFanOut: () => void;
  let receiver: http.Server;
  /** What the billing system answers next; once used up, it takes every delivery. */
  const billingAnswers: number[] = [];
  const billingTook: string[] = [];

  before(async () => {
    h = await startDeskHarness('jobs');
    provider = await startFakeProvider();
    receiver = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const status = billingAnswers.shift() ?? 200;
        if (status === 200) billingTook.push(String(request.headers['rapport-event-type']));
        response.writeHead(status, { 'content-type': 'text/plain' });
        response.end(status === 200 ? 'ok' : 'unknown customer account');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
    const box = createSecretBox(h.ctx.config.secretKey);
    await h.ctx.writer.run(async (unit) => {
      // SMS leave through the company's own gateway, whose API is the fake provider.
      const twilio = await unit.db
        .selectFrom('channel_accounts')
        .select('id')
        .where('channel', '=', 'sms')
        .executeTakeFirstOrThrow();
      await disableChannelAccount(unit, twilio.id, systemActor);
      await createChannelAccount(
        unit,
        box,
        {
          channel: 'sms',
          provider: 'webhook',
          displayName: 'SMS gateway',
          address: '+33140000200',
          teamId: h.teamId,
          settings: { sendUrl: `${provider.url}/messages` },
          secrets: { signingSecret: 'jobs-browser-test-gateway-secret' },
        },
        systemActor,
      );
      // Billing hears of every contact that comes in.
      await replaceAllowList(unit, ['127.0.0.1'], systemActor);
      await createSubscription(
        unit,
        {
          name: 'Billing',
          url: await checkSubscriptionUrl(unit.db, receiverUrl),
          eventTypes: ['interaction.received'],
        },
        newSealedSecret(box),
        systemActor,
      );
    });
    const sends = sendJobs(h.ctx.writer, createOutbox(h.ctx));
    const webhooks = webhookJobs(h.ctx, { timeoutMs: 2_000 });
    workers = startJobWorkers({
      dialect: h.ctx.store.dialect,
      writer: h.ctx.writer,
      logger: h.ctx.logger,
      handlers: { ...sends.handlers, ...webhooks.handlers },
      onDead: { ...sends.onDead, ...webhooks.onDead },
      pollMs: 20,
    });
    stopFanOut = startWebhookFanOut(h.ctx);
  });
  after(async () => {
    stopFanOut?.();
    await workers?.stop();
    await provider?.close();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await h?.close();
  });

  test('an admin sees dead jobs with what they were for and why; Retry after the fix delivers, and the job leaves the dead list', async () => {
    // Billing refuses the first delivery (a 400 is permanent: the job dies at once).
    billingAnswers.push(400);
    const { conversationId } = await h.inbound({
      kind: 'sms',
      from: { phone: '+33698765432', name: 'Hugo Petit' },
      text: 'Is my new SIM card on its way?',
    });
    // The gateway refuses the advisor's reply: that send dies too, with the provider's reason.
    provider.answers.push({ status: 400, body: '{"error":"the number does not take SMS"}' });
    const advisor = await h.openPage();
    await h.signIn(advisor.page, 'advisor');
    const replied = await advisor.context.request.post(
      `${h.baseUrl}/api/conversations/${conversationId}/interactions`,
      { data: { kind: 'sms', text: 'Yes, it left this morning.' } },
    );
    assert.equal(replied.status(), 201, await replied.text());
    const replyId = ((await replied.json()) as { id: number }).id;
    const deadline = Date.now() + 10_000;
    const deadCount = async () =>
      (await h.ctx.store.db.selectFrom('jobs').select('id').where('state', '=', 'dead').execute())
        .length;
    while ((await deadCount()) < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await deadCount(), 2, 'the delivery and the send died');

    const { page } = await h.openPage();
    await h.signIn(page, 'admin');
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('heading', { name: 'Background jobs' }).waitFor();
    // Dead jobs show first, with how many are in each state.
    assert.equal(await page.getByRole('radio', { name: /^Dead \(2\)$/ }).isChecked(), true);
    const table = page.getByRole('table', { name: 'Dead jobs' });
    const send = table.locator('tr[data-job]', { hasText: 'channel.send' });
    assert.match(
      await send.innerText(),
      new RegExp(`send reply #${replyId}[\\s\\S]*1 / 8[\\s\\S]*the number does not take SMS`),
    );
    const delivery = table.locator('tr[data-job]', { hasText: 'webhook.deliver' });
    assert.match(
      await delivery.innerText(),
      /webhook delivery of event #\d+ to subscription #\d+[\s\S]*1 \/ 8[\s\S]*400[\s\S]*unknown customer account/,
    );
    await h.shot(page, 'dead-jobs-with-reasons');

    // Billing is fixed; the admin retries its delivery from the keyboard.
    const jobId = Number(await delivery.getAttribute('data-job'));
    const retry = delivery.getByRole('button', { name: `Retry job #${jobId}` });
    await retry.focus();
    await page.keyboard.press('Enter');
    await page
      .getByRole('status')
      .getByText(
        new RegExp(`Job #${jobId} \\(webhook delivery of event #\\d+ .*\\) is queued again`),
      )
      .waitFor();
    await table.locator(`tr[data-job="${jobId}"]`).waitFor({ state: 'detached' });
    assert.equal(await table.locator('tr[data-job]').count(), 1, 'only the send is left dead');
    await page.getByRole('radio', { name: /^Dead \(1\)$/ }).waitFor();
    await h.shot(page, 'retried-delivery-left-the-dead-list');

    // It ran again and billing took it: the job is done, once.
    await page.getByRole('radio', { name: /^Done/ }).check();
    const done = page.getByRole('table', { name: 'Done jobs' }).locator(`tr[data-job="${jobId}"]`);
    await done.waitFor();
    assert.match(await done.innerText(), /webhook\.deliver[\s\S]*1 \/ 8/);
    assert.deepEqual(billingTook, ['interaction.received']);
    await h.shot(page, 'retried-delivery-done');

    // The gateway is fixed too; the admin retries the dead send: the failed reply goes back in the
    // queue, the same job sends it, and the provider takes one message.
    await page.getByRole('radio', { name: /^Dead \(1\)$/ }).check();
    const sendJobId = Number(await send.getAttribute('data-job'));
    await send.getByRole('button', { name: `Retry job #${sendJobId}` }).click();
    await page
      .getByRole('status')
      .getByText(new RegExp(`Job #${sendJobId} \\(send reply #${replyId}\\) is queued again`))
      .waitFor();
    await table.locator(`tr[data-job="${sendJobId}"]`).waitFor({ state: 'detached' });
    const sentBy = Date.now() + 10_000;
    const stateOf = async () =>
      (
        await h.ctx.store.db
          .selectFrom('interactions')
          .select('delivery_state')
          .where('id', '=', replyId)
          .executeTakeFirstOrThrow()
      ).delivery_state;
    while ((await stateOf()) !== 'sent' && Date.now() < sentBy)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await stateOf(), 'sent', 'the retried send reached the provider');
    assert.equal(provider.messages.size, 1, 'the provider took the reply once');
    await page.getByRole('radio', { name: /^Dead \(0\)$/ }).waitFor();
    await h.shot(page, 'retried-send-sent');

    // Nothing running or waiting: the screen says so rather than showing an empty table.
    await page.getByRole('radio', { name: /^Running/ }).check();
    await page.getByText('No job is running.').waitFor();
    assert.equal(await page.getByRole('table').count(), 0);
  });

  test('a supervisor has no Admin link, and the jobs address refuses them', async () => {
    const { page } = await h.openPage();
    await h.signIn(page, 'supervisor');
    assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0);
    await page.goto(`${h.baseUrl}/desk/admin/jobs`);
    await page.getByText('Your role may not open the admin screens.').waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Background jobs' }).count(), 0);
    await h.shot(page, 'supervisor-refused');
  });
});
