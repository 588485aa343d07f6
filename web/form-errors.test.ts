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

  test('a row edited in a table is refused at its own field: a person’s languages, a team’s name', async () => {
    const { page } = await h.openPage();
    await h.signIn(page, 'admin');
    await page.goto(`${h.baseUrl}/desk/admin/people`);
    const lea = h.people.advisor.name;
    const row = page.getByRole('row').filter({ hasText: h.people.advisor.email });
    const languages = row.getByRole('textbox', { name: `Languages of ${lea}` });
    await languages.fill('fr, klingon');
    await row.getByRole('button', { name: 'Save' }).click();
    const said = row.getByText(`${lea}'s languages: "klingon" is not a language code`);
    await said.waitFor();
    assert.equal(await languages.getAttribute('aria-invalid'), 'true');
    assert.equal(await said.getAttribute('id'), await languages.getAttribute('aria-describedby'));
    await h.shot(page, 'person-row-language-refused');
    await languages.fill('fr, en');
    await row.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText(`${lea} saved.`).waitFor();
    assert.equal(await row.locator('.field-error').count(), 0);
    assert.equal(await languages.getAttribute('aria-invalid'), null);

    await page.goto(`${h.baseUrl}/desk/admin/teams`);
    const name = page.getByLabel('Name of team Care');
    await name.fill('   ');
    const teamRow = page.getByRole('row').filter({ has: name });
    await teamRow.getByRole('button', { name: 'Rename' }).click();
    await teamRow.getByText('The new name of Care must not be blank').waitFor();
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    await h.shot(page, 'team-rename-refused');
  });
});
