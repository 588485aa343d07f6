import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { startJobWorkers, type JobWorkers } from '../src/platform/jobs/workers.ts';
import { startWebhookFanOut, webhookJobs } from '../src/integrations/delivery.ts';
import { verifySignature } from '../src/platform/net/signature.ts';

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

describe('outbound webhooks in the admin screen, in Chromium', () => {
  let h: DeskHarness;
  let workers: JobWorkers;
  let stopFanOut: () => void;
  let receiver: http.Server;
  let receiverUrl: string;
  const received: Received[] = [];

  before(async () => {
    h = await startDeskHarness('webhooks', {
      env: { RAPPORT_SECRET_KEY: 'browser test key, long enough for the box' },
    });
    const jobs = webhookJobs(h.ctx, { timeoutMs: 2_000 });
    workers = startJobWorkers({
      dialect: h.ctx.store.dialect,
      writer: h.ctx.writer,
      logger: h.ctx.logger,
      handlers: jobs.handlers,
      onDead: jobs.onDead,
      pollMs: 20,
    });
    stopFanOut = startWebhookFanOut(h.ctx);
    receiver = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('ok, billing has it');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/rapport-events`;
  });
  after(async () => {
    stopFanOut?.();
    await workers?.stop();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await h?.close();
  });

  test('an admin subscribes a local receiver, is refused until 127.0.0.1 is allow-listed, and sees a signed delivery in the log', async () => {
    const { page } = await h.openPage();
    await h.signIn(page, 'admin');
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();

    const fill = async () => {
      await page.getByLabel('Subscription name').fill('Billing');
      await page.getByLabel('URL').fill(receiverUrl);
      await page.getByLabel('Event types').fill('interaction.received, conversation.*');
      await page.getByRole('button', { name: 'Create subscription' }).click();
    };
    await fill();
    await page.getByText(/Not created: url: 127\.0\.0\.1 resolves to a loopback address/).waitFor();
    await h.shot(page, 'refused-before-allow-list');

    await page.getByLabel('Allowed internal hosts and ranges').fill('127.0.0.1');
    await page.getByRole('button', { name: 'Save allow-list' }).click();
    await page.getByText('Allow-list saved (1 entry).').waitFor();
    await fill();
    await page.getByText('Subscription “Billing” created.').waitFor();
    const secret = await page.getByTestId('webhook-secret').innerText();
    assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    await h.shot(page, 'created-secret-shown-once');
    const row = page.locator('tr[data-subscription]', { hasText: 'Billing' });
    assert.match(await row.innerText(), /interaction\.received, conversation\.\*[\s\S]*active/);

    const contact = await h.inbound({
      kind: 'email',
      from: { email: 'paul.girard@example.com', name: 'Paul Girard' },
      subject: 'Invoice',
      text: 'Can I get my invoice for November?',
    });
    const deadline = Date.now() + 10_000;
    let request: Received | undefined;
    while (!request && Date.now() < deadline) {
      request = received.find((r) => r.headers['rapport-event-type'] === 'interaction.received');
      if (!request) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(request, 'the receiver got the interaction');
    const header = String(request.headers['rapport-signature']);
    const t = Number(/^t=(\d+),v1=[0-9a-f]{64}$/.exec(header)![1]);
    assert.equal(verifySignature(secret, header, request.body, t), null);
    const payload = JSON.parse(request.body) as {
      type: string;
      entity: { type: string; id: number };
      scope: { conversationId: number };
    };
    assert.deepEqual(payload.entity, { type: 'interaction', id: contact.interactionId });
    assert.equal(payload.scope.conversationId, contact.conversationId);

    await page.getByRole('button', { name: 'I have stored it' }).click();
    assert.equal(await page.getByTestId('webhook-secret').count(), 0);
    await page.getByRole('button', { name: 'Deliveries of Billing' }).click();
    const delivered = page
      .getByRole('table', { name: 'Delivery log of Billing' })
      .locator(`tr[data-delivery="${String(request.headers['rapport-delivery-id'])}"]`);
    await delivered.waitFor();
    assert.match(
      await delivered.innerText(),
      /interaction\.received[\s\S]*delivered[\s\S]*HTTP 200/,
    );
    await h.shot(page, 'delivery-log-delivered');

    // A test ping and a redelivery reach the receiver too, and show in the log.
    await page.getByRole('button', { name: 'Send test ping to Billing' }).click();
    await page.getByText('Test ping queued for “Billing”.').waitFor();
    await page
      .getByRole('table', { name: 'Delivery log of Billing' })
      .locator('tr', { hasText: 'webhook.ping' })
      .filter({ hasText: 'delivered' })
      .waitFor();
    await delivered.getByRole('button', { name: /Redeliver event/ }).click();
    await page.getByText(/queued again for “Billing”/).waitFor();
    await h.shot(page, 'ping-and-redelivery');
    assert.ok(received.some((r) => r.headers['rapport-event-type'] === 'webhook.ping'));
    // Nothing on the page or in the list answer carries the secret once it was dismissed.
    assert.ok(!(await page.content()).includes(secret));
  });
});
