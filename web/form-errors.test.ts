/**
 * Admin forms say why a field was refused right next to it (aria-invalid, aria-describedby), in
 * plain words, while the status line keeps the whole message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';

describe('form errors next to their field, in Chromium', () => {
  let h: DeskHarness;

  before(async () => {
    h = await startDeskHarness('form-errors');
  });
  after(() => h?.close());

  test('a bad email in Add a person and an unknown macro variable are explained at the field', async () => {
    const { page } = await h.openPage();
    await h.signIn(page, 'admin');
    await page.getByRole('link', { name: 'Admin' }).click();
    const form = page.getByRole('form', { name: 'Add a person' });
    await form.getByLabel('Name').fill('Noa Petit');
    // The browser lets "noa@desk" through; the server wants a domain with a dot.
    await form.getByLabel('Email').fill('noa@desk');
    await form.getByRole('button', { name: 'Add person' }).click();
    const email = form.getByRole('textbox', { name: /^Email/ });
    await form.getByText('The email is not an email address').waitFor();
    assert.equal(await email.getAttribute('aria-invalid'), 'true');
    const emailReason = await email.getAttribute('aria-describedby');
    assert.match(
      await page.locator(`[id="${emailReason}"]`).innerText(),
      /The email is not an email address/,
    );
    await page
      .getByRole('status')
      .getByText(/not an email address/)
      .waitFor();
    await h.shot(page, 'person-email-refused');

    await page.getByRole('link', { name: 'Macros' }).click();
    await page.getByLabel('Name').fill('Refund sent');
    await page.getByLabel('Text').fill('Hello {{customer.firstname}}, the refund is on its way.');
    await page.getByRole('button', { name: 'Add macro' }).click();
    const text = page.getByRole('textbox', { name: /^Text/ });
    await page.getByText(/The text: \{\{customer\.firstname\}\} is not a variable/).waitFor();
    assert.equal(await text.getAttribute('aria-invalid'), 'true');
    const textReason = await text.getAttribute('aria-describedby');
    assert.match(
      await page.locator(`[id="${textReason}"]`).innerText(),
      /\{\{customer\.firstname\}\} is not a variable; use .*\{\{customer\.firstName\}\}/,
    );
    await h.shot(page, 'macro-variable-refused');
  });
});
