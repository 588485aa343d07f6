import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';

describe('the customer card: merge, edit, export, erase and every case, in Chromium', () => {
  let h: DeskHarness;
  let old: { conversationId: number; customerId: number };
  let resolvedCase: number;
  let fresh: { conversationId: number; customerId: number };

  before(async () => {
    h = await startDeskHarness('customer-card');
    old = await h.inbound({
      kind: 'email',
      from: { email: 'jonas.rossi@example.com', name: 'Jonas Rossi' },
      subject: 'Subscription',
      text: 'Question about my subscription',
    });
    // An older case of his, resolved long ago: the card lists it too.
    resolvedCase = (
      await h.ctx.store.db
        .insertInto('conversations')
        .values({
          customer_id: old.customerId,
          subject: 'Old invoice',
          status: 'resolved',
          owner_id: null,
          team_id: h.teamId,
          shop_id: null,
          priority: 'normal',
          origin_channel: 'email',
          created_at: Date.now() - 86_400_000,
          updated_at: Date.now() - 86_400_000,
          last_interaction_at: Date.now() - 86_400_000,
          resolved_at: Date.now() - 86_400_000,
          snoozed_until: null,
          snoozed_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    fresh = await h.inbound({
      kind: 'sms',
      from: { phone: '+33611998877', name: 'Jonas R.' },
      text: 'Hi it is Jonas again',
    });
  });
  after(() => h?.close());

  const workItemOwner = async (conversationId: number) =>
    (
      await h.ctx.store.db
        .selectFrom('work_items')
        .select('customer_id')
        .where('conversation_id', '=', conversationId)
        .executeTakeFirstOrThrow()
    ).customer_id;

  test('a supervisor previews a merge, confirms it, the older name stays, and undoes it', async () => {
    const { page } = await h.openPage();
    await h.signIn(page, 'supervisor');
    await page.goto(`${h.baseUrl}/desk/customers/${fresh.customerId}`);
    const card = page.getByRole('complementary');
    await card.getByRole('heading', { name: 'Jonas R.' }).waitFor();
    await card.getByText('Merge a duplicate record into this customer').click();
    await card.getByLabel('Find the duplicate').fill('Jonas Rossi');
    await card.getByRole('button', { name: 'Find' }).click();
    await card.getByRole('button', { name: 'Review merge' }).click();
    const dialog = page.getByRole('dialog', { name: 'Merge Jonas Rossi into Jonas R.?' });
    await dialog.getByText('2 cases, 1 message, 1 identity, 1 work item').waitFor();
    const keptName = dialog.getByRole('group', { name: 'Name kept' });
    assert.equal(await keptName.getByLabel(/Jonas Rossi/).isChecked(), true);
    assert.equal(await keptName.getByLabel(/Jonas R\. /).isChecked(), false);
    await h.shot(page, 'merge-preview');
    assert.equal(await workItemOwner(old.conversationId), old.customerId, 'nothing moved yet');
    await dialog.getByRole('button', { name: 'Confirm merge' }).click();
    await card.getByRole('heading', { name: 'Jonas Rossi' }).waitFor();
    await card.getByRole('heading', { name: 'Cases (3, 2 open)' }).waitFor();
    assert.equal(await workItemOwner(old.conversationId), fresh.customerId);
    await card.getByText(/Jonas Rossi \(#\d+\) merged by/).waitFor();
    await h.shot(page, 'merged');

    await card.getByRole('button', { name: 'Undo merge' }).click();
    const undo = page.getByRole('dialog', { name: 'Undo the merge of Jonas Rossi?' });
    await undo.getByRole('button', { name: 'Undo merge' }).click();
    await card.getByRole('heading', { name: 'Jonas R.' }).waitFor();
    await card.getByRole('heading', { name: 'Cases (1, 1 open)' }).waitFor();
    await card.getByText(/· undone/).waitFor();
    assert.equal(await workItemOwner(old.conversationId), old.customerId);
    await h.shot(page, 'merge-undone');

    // Editing: a blank name is refused next to the field; a name and an owner are saved.
    await card.getByRole('button', { name: 'Edit name and owner' }).click();
    const edit = card.getByRole('form', { name: 'Edit customer' });
    await edit.getByLabel('Name').fill('   ');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.getByText('Name must not be blank').waitFor();
    await edit.getByLabel('Name').fill('Jonas Ricci');
    await edit.getByLabel('Owner').selectOption({ label: h.people.advisor.name });
    await edit.getByRole('button', { name: 'Save' }).click();
    await card.getByRole('heading', { name: 'Jonas Ricci' }).waitFor();
    await card.locator('dd', { hasText: h.people.advisor.name }).waitFor();

    // Identities: a wrong address is refused in plain words; one is added, then removed.
    const add = card.getByRole('form', { name: 'Add an identity' });
    await add.getByLabel('Email address').fill('not-an-address');
    await add.getByRole('button', { name: 'Add' }).click();
    await card.getByText('The email is not an email address').waitFor();
    await add.getByLabel('Email address').fill('jonas.ricci@example.com');
    await add.getByRole('button', { name: 'Add' }).click();
    await card.getByText('email: jonas.ricci@example.com').waitFor();
    await h.shot(page, 'edited');
    await card.getByRole('button', { name: 'Remove jonas.ricci@example.com' }).click();
    await page
      .getByRole('dialog', { name: 'Remove jonas.ricci@example.com?' })
      .getByRole('button', { name: 'Remove' })
      .click();
    await card.getByText('email: jonas.ricci@example.com').waitFor({ state: 'detached' });

    // Consent: SMS agreed by writing on it, phone unknown; the advisor records a no to calls.
    assert.equal(await card.getByLabel('SMS consent').inputValue(), 'yes');
    assert.equal(await card.getByLabel('Phone consent').inputValue(), 'unknown');
    await card.getByLabel('Phone consent').selectOption('no');
    await card.locator('.consent li.no', { hasText: 'Phone' }).waitFor();
    const stored = await h.ctx.store.db
      .selectFrom('customers')
      .select(['consent', 'display_name', 'owner_id'])
      .where('id', '=', fresh.customerId)
      .executeTakeFirstOrThrow();
    assert.equal((JSON.parse(stored.consent) as { phone: boolean }).phone, false);
    assert.equal(stored.display_name, 'Jonas Ricci');
    assert.equal(stored.owner_id, h.people.advisor.id);
  });

  test('an admin sees every case linked, exports and erases after a question', async () => {
    const { page } = await h.openPage();
    await h.signIn(page, 'admin');
    await page.goto(`${h.baseUrl}/desk/customers/${old.customerId}`);
    const card = page.getByRole('complementary');
    await card.getByRole('heading', { name: 'Cases (2, 1 open)' }).waitFor();
    const resolved = card.getByRole('link', { name: `#${resolvedCase} Old invoice` });
    await card.locator('.cases li', { hasText: 'Resolved' }).waitFor();
    assert.equal(await resolved.getAttribute('href'), `/desk/c/${resolvedCase}`);

    await card.getByRole('button', { name: 'Export data' }).click();
    const ask = page.getByRole('dialog', { name: 'Export everything held about Jonas Rossi?' });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      ask.getByRole('button', { name: 'Download export' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `customer-${old.customerId}.json`);
    const exported = JSON.parse(fs.readFileSync((await download.path())!, 'utf8')) as {
      customer: { displayName: string };
      conversations: unknown[];
    };
    assert.equal(exported.customer.displayName, 'Jonas Rossi');
    assert.equal(exported.conversations.length, 2);
    await card.getByText('The export of Jonas Rossi was downloaded.').waitFor();

    await card.getByRole('button', { name: 'Erase customer' }).click();
    const erase = page.getByRole('dialog', { name: 'Erase Jonas Rossi?' });
    await h.shot(page, 'erase-question');
    await erase.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(
      (
        await h.ctx.store.db
          .selectFrom('customers')
          .select('erased_at')
          .where('id', '=', old.customerId)
          .executeTakeFirstOrThrow()
      ).erased_at,
      null,
      'cancelled: nothing erased',
    );
    await card.getByRole('button', { name: 'Erase customer' }).click();
    await erase.getByRole('button', { name: 'Erase for good' }).click();
    await card.getByText('This customer was erased.').waitFor();
    await h.shot(page, 'erased');
  });
});
