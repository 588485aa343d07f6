import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { takeWork } from '../src/routing/work-items.ts';

describe('admin and wall actions, in Chromium', () => {
  let h: DeskHarness;

  before(async () => {
    h = await startDeskHarness('admin-wall');
  });
  after(() => h?.close());

  test('an invited person sets a password and is signed in; tokens, audit log and teams work', async () => {
    const { page } = await h.openPage();
    await h.signIn(page, 'admin');
    await page.goto(`${h.baseUrl}/desk/admin/people`);
    const form = page.getByRole('form', { name: 'Add a person' });
    await form.getByLabel('Name').fill('Nora Invitée');
    await form.getByLabel('Email').fill('nora@example.test');
    await form.getByRole('button', { name: 'Add person' }).click();
    const row = page.getByRole('row').filter({ hasText: 'nora@example.test' });
    await row.getByRole('button', { name: 'Invite' }).click();
    const link = page.getByLabel('One-time link');
    await link.waitFor();
    const url = await link.inputValue();
    assert.match(url, /\/desk\/set-password#token=/);
    await h.shot(page, 'invite-link-shown');

    const invited = await h.openPage();
    await invited.page.goto(url);
    await invited.page.getByText('Nora Invitée, choose the password').waitFor();
    await invited.page.getByLabel('New password').fill('nora chose this');
    await invited.page.getByLabel('The same password again').fill('nora chose this');
    await h.shot(invited.page, 'set-password');
    await invited.page.getByRole('button', { name: 'Set password and sign in' }).click();
    await invited.page.getByRole('button', { name: /Sign out/ }).waitFor();
    await h.shot(invited.page, 'signed-in-after-invite');
    await invited.context.close();

    await page.goto(`${h.baseUrl}/desk/admin/tokens`);
    const tokenForm = page.getByRole('form', { name: 'New token' });
    await tokenForm.getByLabel('Token name').fill('Reporting');
    await tokenForm.getByLabel(/Take in contacts/).uncheck();
    await tokenForm.getByRole('button', { name: 'Issue token' }).click();
    const tokenRow = page.getByRole('row').filter({ hasText: 'Reporting' });
    await tokenRow.waitFor();
    assert.equal(await tokenRow.getByRole('cell').nth(1).innerText(), 'read');
    await h.shot(page, 'token-with-scope');

    await page.goto(`${h.baseUrl}/desk/admin/audit`);
    const filters = page.getByRole('form', { name: 'Filter the audit log' });
    await filters.getByLabel('What').selectOption('advisor.invited');
    await filters.getByRole('button', { name: 'Show' }).click();
    const eventRow = page.getByRole('row').filter({ hasText: 'advisor.invited' });
    await eventRow.first().waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'token.issued' }).count(), 0);
    await h.shot(page, 'audit-filtered');

    await page.goto(`${h.baseUrl}/desk/admin/teams`);
    const teamForm = page.getByRole('form', { name: 'New team' });
    await teamForm.getByLabel('Team name').fill('Night shift');
    await teamForm.getByRole('button', { name: 'Create team' }).click();
    const teamRow = page
      .getByRole('row')
      .filter({ has: page.getByLabel('Name of team Night shift') });
    await teamRow.getByRole('button', { name: 'Archive' }).click();
    await teamRow.getByText('(archived)').waitFor();
    await h.shot(page, 'team-archived');
    const stored = await h.ctx.store.db
      .selectFrom('teams')
      .select('archived_at')
      .where('name', '=', 'Night shift')
      .executeTakeFirstOrThrow();
    assert.notEqual(stored.archived_at, null);
  });

  test('a supervisor changes an advisor’s presence from the wall', async () => {
    const { page } = await h.openPage();
    await h.signIn(page, 'supervisor');
    await page.goto(`${h.baseUrl}/desk/wall`);
    await page.getByRole('button', { name: h.people.advisor.name, exact: true }).click();
    const presence = page.getByLabel(`Presence of ${h.people.advisor.name}`);
    await presence.selectOption('break');
    await page.getByText(`${h.people.advisor.name} is now`).waitFor();
    await h.shot(page, 'wall-presence-changed');
    const state = await h.ctx.store.db
      .selectFrom('advisor_states')
      .select('presence')
      .where('advisor_id', '=', h.people.advisor.id)
      .executeTakeFirstOrThrow();
    assert.equal(state.presence, 'break');
  });

  test('a supervisor opens a case Léa holds from the wall, and gives it to someone else', async () => {
    const opened = await h.inbound({
      kind: 'email',
      from: { email: 'ines.moreau@example.test', name: 'Inès Moreau' },
      subject: 'Parcel never arrived',
      text: 'The parcel for order 5521 never came.',
    });
    await h.ctx.writer.run((unit) =>
      takeWork(unit, opened.conversationId, h.people.advisor.id, {
        type: 'advisor',
        id: h.people.advisor.id,
      }),
    );
    const { page } = await h.openPage();
    await h.signIn(page, 'supervisor');
    await page.goto(`${h.baseUrl}/desk/wall`);
    await page.getByRole('button', { name: h.people.advisor.name, exact: true }).click();
    const drill = page.getByRole('region', { name: `Work held by ${h.people.advisor.name}` });
    const held = drill.getByRole('link', { name: /Inès Moreau — Parcel never arrived/ });
    await held.click();
    await page.getByRole('heading', { name: /Parcel never arrived/ }).waitFor();
    await h.shot(page, 'case-opened-from-wall');

    await page.goBack();
    await page.getByRole('button', { name: h.people.advisor.name, exact: true }).click();
    await drill.getByLabel('Reassign Inès Moreau — Parcel never arrived to').selectOption({
      label: h.people.supervisor.name,
    });
    await drill.getByRole('button', { name: 'Reassign' }).click();
    await drill.getByText(`${h.people.advisor.name} holds no work now.`).waitFor();
    await h.shot(page, 'held-case-reassigned');
    const item = await h.ctx.store.db
      .selectFrom('work_items')
      .select(['advisor_id', 'status'])
      .where('conversation_id', '=', opened.conversationId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(item, { advisor_id: h.people.supervisor.id, status: 'assigned' });
    const owner = await h.ctx.store.db
      .selectFrom('conversations')
      .select('owner_id')
      .where('id', '=', opened.conversationId)
      .executeTakeFirstOrThrow();
    assert.equal(owner.owner_id, h.people.supervisor.id);
  });
});
