import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { createChannelAccount } from '../src/channels/channel-accounts.ts';

/** Open every day round the clock, so the test's own clock (the real one) is always within hours. */
const hours = JSON.stringify(
  [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens: '00:00', closes: '24:00' })),
);

/**
 * The help centre's contact page in Chromium, as a customer who is not signed in: every way to reach
 * the company, then "Ask us to call you back", with its problems named at the field and an honest
 * confirmation; the callback lands on the customer's case for the desk.
 */
describe('the help centre in Chromium', { timeout: 60_000 }, () => {
  let h: DeskHarness;
  let page: Page;

  before(async () => {
    h = await startDeskHarness('help-centre');
    await h.ctx.writer.run((unit) =>
      createChannelAccount(
        unit,
        createSecretBox(h.ctx.config.secretKey),
        {
          channel: 'voice',
          provider: 'twilio',
          displayName: 'Customer care',
          address: '+33100000021',
          teamId: h.teamId,
          settings: {
            baseUrl: 'http://127.0.0.1:9',
            accountSid: 'AC66666666666666666666666666666666',
            hours,
            timeZone: 'Europe/Paris',
          },
          secrets: { authToken: 'a test auth token' },
        },
        systemActor,
      ),
    );
    ({ page } = await h.openPage({ viewport: { width: 1100, height: 900 } }));
  });
  after(() => h?.close());

  test('a customer finds how to reach us and asks to be called back', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Every file the page loads is there (the 422 of a refused number is the form's own answer).
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/api/help/callbacks'))
        errors.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${h.baseUrl}/help`);
    await page.getByRole('heading', { level: 1, name: 'Contact us' }).waitFor();
    const ways = page.getByRole('region', { name: 'Ways to reach us' });
    await ways.getByRole('link', { name: '+33 1 00 00 00 21' }).waitFor();
    assert.equal(
      await ways.getByRole('link', { name: '+33 1 00 00 00 21' }).getAttribute('href'),
      'tel:+33100000021',
    );
    await ways.getByRole('table', { name: /Phone hours \(Europe\/Paris time\)/ }).waitFor();

    const form = page.getByRole('region', { name: 'Ask us to call you back' });
    // Sent empty: each problem is said at its field, and the first one has the focus.
    await form.getByRole('button', { name: 'Call me back' }).click();
    await form.getByText('Please give your name.').waitFor();
    await form.getByText('We call you only if you agree to it.').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'cb-name');
    assert.equal(await form.getByLabel('Your name').getAttribute('aria-invalid'), 'true');
    await h.shot(page, 'form-problems');

    // A number that is not one: the server's answer, at the field.
    await form.getByLabel('Your name').fill('Claire Fontaine');
    await form.getByLabel('Phone number').fill('12345');
    await form.getByLabel(/I agree to be called/).check();
    await form.getByRole('button', { name: 'Call me back' }).click();
    await form.getByText('Is not a valid phone number.').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'cb-phone');

    // A national number and a time tomorrow at 10:00 (the browser's time).
    await form.getByLabel('Phone number').fill('06 12 34 56 78');
    const tomorrow = new Date(Date.now() + 86_400_000);
    const local = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}T10:00`;
    await form.getByLabel(/Preferred time/).fill(local);
    await form.getByRole('button', { name: 'Call me back' }).click();
    const confirmation = form.getByRole('status');
    await confirmation
      .getByText(/We will call you on \+33612345678 from .* at \d\d:00 \(Europe\/Paris\)/)
      .waitFor();
    await h.shot(page, 'callback-asked');
    assert.deepEqual(errors, []);

    const customer = await h.ctx.store.db
      .selectFrom('identities')
      .innerJoin('customers', 'customers.id', 'identities.customer_id')
      .select(['customers.id', 'customers.display_name'])
      .where('identities.value', '=', '+33612345678')
      .executeTakeFirstOrThrow();
    assert.equal(customer.display_name, 'Claire Fontaine');
    const item = await h.ctx.store.db
      .selectFrom('work_items')
      .selectAll()
      .where('customer_id', '=', customer.id)
      .executeTakeFirstOrThrow();
    assert.equal(item.kind, 'callback');
    assert.equal(item.callback_number, '+33612345678');
    const wanted = await page.evaluate((value) => new Date(value).getTime(), local);
    assert.equal(Number(item.due_at), wanted, 'not called before the time she chose');

    // Sent twice by an impatient click: still one callback.
    await form.getByRole('button', { name: 'Call me back' }).click();
    await confirmation.getByText(/We will call you on \+33612345678/).waitFor();
    const items = await h.ctx.store.db
      .selectFrom('work_items')
      .select('id')
      .where('customer_id', '=', customer.id)
      .execute();
    assert.equal(items.length, 1);
  });

  test('the page reads well on a phone', async () => {
    const { page: small } = await h.openPage({ viewport: { width: 390, height: 844 } });
    await small.goto(`${h.baseUrl}/help`);
    await small.getByRole('heading', { name: 'Ask us to call you back' }).waitFor();
    const overflow = await small.evaluate(
      () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
    );
    assert.equal(overflow, false, 'nothing wider than the screen');
    await h.shot(small, 'on-a-phone');
  });
});
