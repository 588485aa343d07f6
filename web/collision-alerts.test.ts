import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';

describe('two advisors on one case, and my alerts, in Chromium', () => {
  let h: DeskHarness;
  let lea: Page;
  let samira: Page;
  let conversationId: number;
  const customer = { email: 'marta.keller@example.com', name: 'Marta Keller' };

  before(async () => {
    h = await startDeskHarness('collision-alerts');
    ({ conversationId } = await h.inbound({
      kind: 'email',
      from: customer,
      subject: 'Router keeps dropping',
      text: 'My router drops the connection every evening.',
    }));
    const first = await h.openPage();
    lea = first.page;
    await first.context.grantPermissions(['notifications'], { origin: h.baseUrl });
    samira = (await h.openPage()).page;
  });
  after(() => h?.close());

  test('each sees the other viewing and typing; the second to send is warned and may send anyway', async () => {
    await h.signIn(lea, 'advisor');
    await lea.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    await lea.getByRole('button', { name: 'Take this case' }).click();
    await lea.getByText('Case owner is now Léa Martin.').waitFor();

    await h.signIn(samira, 'supervisor');
    await samira.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    const onLeas = lea.getByRole('status', { name: 'Also on this case' });
    const onSamiras = samira.getByRole('status', { name: 'Also on this case' });
    await onLeas.getByText('Samira Supervisor is viewing this case').waitFor();
    await onSamiras.getByText('Léa Martin is viewing this case').waitFor();

    // Samira starts a reply: Léa sees her typing.
    await samira
      .getByRole('textbox', { name: `Message to ${customer.name}` })
      .fill('Hello Marta, we are resetting your line now.');
    await onLeas.getByText('Samira Supervisor is typing a reply…').waitFor();
    await h.shot(lea, 'colleague-typing');

    // Léa writes too, while Samira sends first.
    await lea
      .getByRole('textbox', { name: `Message to ${customer.name}` })
      .fill('Hi Marta, could you restart the router?');
    await samira.getByRole('button', { name: 'Send reply' }).click();
    await samira.getByText(/Reply (saved on the case|queued|sent)/).waitFor();
    // Her reply sent, she is no longer typing.
    await onLeas.getByText('Samira Supervisor is viewing this case').waitFor();
    await lea.getByText('New on this case while you were here:').waitFor();
    await lea.getByRole('button', { name: 'Send reply' }).click();
    const question = lea.getByRole('alertdialog', { name: 'The case moved on while you wrote' });
    await question.waitFor();
    assert.match(await question.innerText(), /Samira Supervisor wrote on the case/);
    await h.shot(lea, 'warned-before-sending');
    await question.getByRole('button', { name: 'Send anyway' }).click();
    await lea.getByText(/Reply (saved on the case|queued|sent)/).waitFor();
    const replies = await h.ctx.store.db
      .selectFrom('interactions')
      .select('author_id')
      .where('conversation_id', '=', conversationId)
      .where('direction', '=', 'outbound')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      replies.map((r) => Number(r.author_id)),
      [h.people.supervisor.id, h.people.advisor.id],
    );

    // Samira leaves the case: Léa's line about her goes at once.
    await samira.getByRole('link', { name: 'Desk', exact: true }).click();
    await onLeas.waitFor({ state: 'detached' });
  });

  test('my alert settings are stored for me, and the tab title counts a new message on my case', async () => {
    await lea.getByRole('link', { name: 'My alerts' }).click();
    await lea.getByRole('heading', { name: 'My alerts' }).waitFor();
    // Each box is saved on the server before it shows ticked.
    for (const name of ['sound', 'desktop notification']) {
      await lea.getByRole('checkbox', { name: `New messages on my cases: ${name}` }).click();
      await lea.locator(`input[aria-label="New messages on my cases: ${name}"]:checked`).waitFor();
    }
    await lea.getByText('Saved: this applies to you').waitFor();
    await h.shot(lea, 'my-alerts');
    const stored = await h.ctx.store.db
      .selectFrom('advisor_settings')
      .select('alerts')
      .where('advisor_id', '=', h.people.advisor.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(stored.alerts).messages, {
      sound: true,
      desktop: true,
      title: true,
    });

    await lea.getByRole('link', { name: 'Desk', exact: true }).click();
    assert.equal(await lea.title(), 'Rapport');
    await h.inbound({ kind: 'email', from: customer, text: 'Restarted it, still dropping.' });
    await lea.waitForFunction(() => document.title === '(1) Rapport');
    await h.shot(lea, 'tab-title-counts');
    // Opening the case reads its news.
    await lea.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    await lea.getByText('Restarted it, still dropping.').first().waitFor();
    await lea.waitForFunction(() => document.title === 'Rapport');
  });
});
