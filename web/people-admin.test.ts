import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';

describe('people and roles, in Chromium', () => {
  let h: DeskHarness;

  before(async () => {
    h = await startDeskHarness('people-admin');
  });
  after(() => h?.close());

  test('an administrator is asked before changing her own role, and the last admin stays admin', async () => {
    const { page } = await h.openPage();
    await h.signIn(page, 'admin');
    await page.getByRole('link', { name: 'Admin' }).click();
    const name = h.people.admin.name;
    const role = page.getByLabel(`Role of ${name}`);
    await role.selectOption('advisor');
    const row = page.getByRole('row').filter({ has: role });
    await row.getByRole('button', { name: 'Save' }).click();
    const ask = page.getByRole('alertdialog', { name: 'Change your own access?' });
    await ask.waitFor();
    assert.match(await ask.innerText(), /changing your own role to Advisor/);
    await h.shot(page, 'own-role-asked');
    await ask.getByRole('button', { name: 'Keep it' }).click();
    assert.equal(await role.inputValue(), 'admin');

    // Confirmed, the server still refuses: she is the only administrator.
    await role.selectOption('supervisor');
    await row.getByRole('button', { name: 'Save' }).click();
    await ask.getByRole('button', { name: 'Yes, change my own access' }).click();
    await page
      .getByRole('status')
      .getByText(/last active administrator/)
      .waitFor();
    assert.equal(await role.inputValue(), 'admin');
    await h.shot(page, 'last-admin-refused');
    const stored = await h.ctx.store.db
      .selectFrom('advisors')
      .select('role')
      .where('id', '=', h.people.admin.id)
      .executeTakeFirstOrThrow();
    assert.equal(stored.role, 'admin');
  });

  test('a person added without a password is told they cannot sign in yet; a blank name is refused', async () => {
    const { page } = await h.openPage();
    await h.signIn(page, 'admin');
    await page.getByRole('link', { name: 'Admin' }).click();
    const form = page.getByRole('form', { name: 'Add a person' });
    await form.getByLabel('Name').fill('   ');
    await form.getByLabel('Email').fill('blank-name@example.test');
    await form.getByRole('button', { name: 'Add person' }).click();
    await page
      .getByRole('status')
      .getByText(/must not be blank/)
      .waitFor();
    await form.getByLabel('Name').fill('Inès Morel');
    await form.getByRole('button', { name: 'Add person' }).click();
    await page
      .getByRole('status')
      .getByText(/without a password: they cannot sign in/)
      .waitFor();
    await h.shot(page, 'added-without-password');
  });
});
