import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';

describe('the composer offers only channels that reach the customer, in Chromium', () => {
  let h: DeskHarness;

  before(async () => {
    h = await startDeskHarness('composer-reach');
  });
  after(() => h?.close());

  test('a customer known only by email is not offered SMS or a callback', async () => {
    const { conversationId } = await h.inbound({
      kind: 'email',
      from: { email: 'only.email@example.com', name: 'Oda Email' },
      subject: 'My invoice',
      text: 'Where is my invoice?',
    });
    const { page } = await h.openPage();
    await h.signIn(page, 'advisor');
    await page.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    const replyOn = page.getByLabel('Reply on');
    await replyOn.waitFor();
    assert.equal(await replyOn.inputValue(), 'email');
    const sms = replyOn.locator('option[value="sms"]');
    const call = replyOn.locator('option[value="call"]');
    assert.match(await sms.innerText(), /\(no phone number\)/);
    assert.equal(await sms.isDisabled(), true);
    assert.match(await call.innerText(), /\(no phone number\)/);
    assert.equal(await call.isDisabled(), true);
    assert.equal(await replyOn.locator('option[value="email"]').isDisabled(), false);
    await h.shot(page, 'email-only-customer');
  });

  test('a customer known only by phone is answered by SMS, not by an email they cannot get', async () => {
    const { conversationId } = await h.inbound({
      kind: 'shop_visit',
      from: { phone: '+33612345678', name: 'Pia Phone' },
      text: 'Came by the shop about a new line.',
    });
    const { page } = await h.openPage();
    await h.signIn(page, 'advisor');
    await page.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    const replyOn = page.getByLabel('Reply on');
    await replyOn.waitFor();
    assert.match(await replyOn.locator('option[value="email"]').innerText(), /no email address/);
    assert.notEqual(await replyOn.inputValue(), 'email');
    assert.equal(await replyOn.locator('option[value="sms"]').isDisabled(), false);
    await h.shot(page, 'phone-only-customer');
  });
});
