import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';

describe('views, unread and starting a case, in Chromium', () => {
  let h: DeskHarness;
  let page: Page;
  let ines: number;

  before(async () => {
    h = await startDeskHarness('views-start');
    ines = (
      await h.inbound({
        kind: 'email',
        from: { email: 'ines.dubois@example.com', name: 'Inès Dubois' },
        subject: 'Charged twice',
        text: 'I was charged twice for October.',
      })
    ).conversationId;
    await h.inbound({
      kind: 'email',
      from: { email: 'marc.leroy@example.com', name: 'Marc Leroy' },
      subject: 'Moving house',
      text: 'I am moving next month, what do I do with my line?',
    });
    ({ page } = await h.openPage());
    await h.signIn(page, 'advisor');
  });
  after(() => h?.close());

  const tab = (name: string) => page.getByRole('tab', { name: new RegExp(`^${name}`) });
  const countOf = async (name: string) =>
    (await tab(name).locator('.view-count').innerText()).trim();
  /** Waits until the element's text is exactly `text` (it changes live, without a reload). */
  const waitForText = async (locator: ReturnType<Page['locator']>, text: string) => {
    const handle = await locator.elementHandle();
    await page.waitForFunction(
      ([el, want]) => (el as HTMLElement | null)?.textContent?.trim() === want,
      [handle, text] as const,
    );
  };

  test('views show their counts and unread, and tick live when a customer writes', async () => {
    await tab('All').click();
    await waitForText(tab('All').locator('.view-count'), '2');
    assert.equal(await tab('All').locator('.view-unread').innerText(), '2');
    assert.equal(await countOf('Mine'), '0');
    const row = page.locator(`.items li[data-conversation="${ines}"]`);
    assert.equal(await row.getAttribute('data-unread'), 'true');
    assert.equal(await row.getByRole('img', { name: 'unread' }).count(), 1);
    await h.inbound({
      kind: 'sms',
      from: { phone: '+33612345678', name: 'Pia Phone' },
      text: 'Is my phone repaired?',
    });
    await waitForText(tab('All').locator('.view-count'), '3');
    await waitForText(tab('Unassigned').locator('.view-count'), '3');
    await h.shot(page, 'views-with-counts-live');
  });

  test('opening a case reads it; Mark unread, away from Resolve, makes it unread again', async () => {
    await page.locator(`.items li[data-conversation="${ines}"] a`).click();
    await page.getByRole('heading', { name: /Charged twice/ }).waitFor();
    await waitForText(tab('All').locator('.view-unread'), '2');
    const row = page.locator(`.items li[data-conversation="${ines}"]`);
    await page.waitForFunction(
      (id) => !document.querySelector(`.items li[data-conversation="${id}"][data-unread]`),
      ines,
    );
    const toolbar = page.getByRole('toolbar', { name: 'This case' });
    assert.equal(await toolbar.getByRole('button', { name: 'Resolve' }).count(), 0);
    await toolbar.getByRole('button', { name: 'Mark unread' }).click();
    await page.getByText('Open a case from the list').waitFor();
    await page.locator(`.items li[data-conversation="${ines}"][data-unread="true"]`).waitFor();
    await waitForText(tab('All').locator('.view-unread'), '3');
    assert.equal(await row.getAttribute('data-unread'), 'true');
    await h.shot(page, 'marked-unread');
  });

  test('a view is saved with its filters, in plain words when refused', async () => {
    await page.getByText('New view', { exact: true }).click();
    const form = page.getByRole('form', { name: 'New view' });
    await form.getByLabel('Name').fill('   ');
    await form.getByRole('button', { name: 'Save view' }).click();
    await form.getByText('must not be blank').waitFor();
    await form.getByLabel('Name').fill('Email cases');
    await form.getByLabel('Channel').selectOption('email');
    await form.getByLabel('Share with Care').check();
    await form.getByRole('button', { name: 'Save view' }).click();
    await tab('Email cases').waitFor();
    assert.equal(await tab('Email cases').getAttribute('aria-selected'), 'true');
    await waitForText(tab('Email cases').locator('.view-count'), '2');
    await page.getByText('Shared with your team.').waitFor();
    assert.equal(await page.locator('.items li').count(), 2);
    await h.shot(page, 'saved-view');
  });

  test('a new case with a first email goes out through the send path', async () => {
    await page.getByRole('button', { name: 'New case' }).click();
    const dialog = page.getByRole('dialog', { name: 'New case' });
    await dialog.getByLabel('Find the customer').fill('Marc');
    await dialog.getByRole('button', { name: /Marc Leroy/ }).click();
    await dialog.getByLabel('Subject').fill('Your new address');
    await dialog.getByLabel('Start with').selectOption('email');
    await dialog.getByLabel('Message').fill('Hello Marc, here is how moving works.');
    await h.shot(page, 'new-case-first-email');
    await dialog.getByRole('button', { name: 'Create case and send' }).click();
    await page.getByRole('heading', { name: /Your new address/ }).waitFor();
    const id = Number(/\/c\/(\d+)/.exec(page.url())?.[1]);
    const sent = await h.ctx.store.db
      .selectFrom('interactions')
      .select(['kind', 'direction', 'to_address', 'delivery_state', 'author_id'])
      .where('conversation_id', '=', id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(sent, {
      kind: 'email',
      direction: 'outbound',
      to_address: 'marc.leroy@example.com',
      delivery_state: 'queued',
      author_id: h.people.advisor.id,
    });
    await page.locator('.timeline').getByText('Hello Marc, here is how moving works.').waitFor();
  });

  test('a new customer’s case starts with a call, logged on the case', async () => {
    await page.getByRole('button', { name: 'New case' }).click();
    const dialog = page.getByRole('dialog', { name: 'New case' });
    const fresh = dialog.getByRole('form', { name: 'A new customer' });
    await fresh.getByLabel('Name').fill('Nora Nouvelle');
    await fresh.getByLabel('Phone').fill('06 11 22 33 44');
    await fresh.getByRole('button', { name: 'Create customer' }).click();
    await dialog.getByText('Nora Nouvelle').waitFor();
    await dialog.getByLabel('Subject').fill('Asked about fibre');
    await dialog.getByLabel('Start with').selectOption('voice');
    await dialog.getByRole('button', { name: 'Create case', exact: true }).click();
    await page.getByRole('heading', { name: /Asked about fibre/ }).waitFor();
    const toolbar = page.getByRole('toolbar', { name: 'This case' });
    await toolbar.getByRole('button', { name: 'Log a call' }).click();
    const form = page.getByRole('form', { name: 'Log a call' });
    await form.getByLabel('Direction').selectOption('inbound');
    await form.getByLabel('Minutes').fill('4');
    await form.getByLabel('Outcome').selectOption('follow-up');
    await form.getByLabel('Notes').fill('Wants fibre at home, call back Friday.');
    await form.getByRole('button', { name: 'Save call' }).click();
    await page.getByRole('status').getByText('Call logged.').waitFor();
    await page
      .locator('.timeline')
      .getByText(/Wants fibre at home/)
      .waitFor();
    const call = await h.ctx.store.db
      .selectFrom('calls')
      .innerJoin('call_wrap_ups', 'call_wrap_ups.call_id', 'calls.id')
      .select(['calls.direction', 'calls.duration_seconds', 'call_wrap_ups.outcome'])
      .where('calls.provider', '=', 'logged')
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      { ...call, duration_seconds: Number(call.duration_seconds) },
      { direction: 'inbound', duration_seconds: 240, outcome: 'follow-up' },
    );
    await tab('Mine').click();
    await waitForText(tab('Mine').locator('.view-count'), '2');
    await h.shot(page, 'call-logged');
  });
});
