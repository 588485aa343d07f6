import { afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { dispatchWork } from '../src/routing/dispatch-round.ts';
import { isOpenAt } from '../src/shops/shop-hours.ts';

describe('the desk in Chromium', () => {
  // Each test gets a server, database and browser of its own, so it passes alone and in any order;
  // its screenshots go to test-artifacts/desk/<test name>/.
  let h: DeskHarness;

  before(() =>
    fs.rmSync(path.resolve(import.meta.dirname, '../test-artifacts/desk'), {
      recursive: true,
      force: true,
    }),
  );

  beforeEach(async (t) => {
    const folder = t.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60);
    h = await startDeskHarness(`desk/${folder}`);
    // A past case on another channel, answered: the timeline must show it beside the new one.
    const earlier = await h.inbound({
      kind: 'chat_message',
      from: { email: 'ines.dubois@example.com', name: 'Inès Dubois' },
      text: 'Is the 50 GB plan available for me?',
      occurredAt: new Date(Date.now() - 3 * 86_400_000).toISOString(),
    });
    await h.ctx.writer.drain();
    const res = await fetch(`${h.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: h.people.supervisor.email, password: 'correct horse battery' }),
    });
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const answer = (
      body: unknown,
      path = `/api/conversations/${earlier.conversationId}/interactions`,
      method = 'POST',
    ) =>
      fetch(`${h.baseUrl}${path}`, {
        method,
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal(
      (await answer({ kind: 'chat_message', text: 'Yes, I moved you to it.' })).status,
      201,
    );
    assert.equal(
      (
        await answer(
          { status: 'resolved' },
          `/api/conversations/${earlier.conversationId}`,
          'PATCH',
        )
      ).status,
      200,
    );
  });
  afterEach(() => h.close());

  /** Inès writes by email about a double charge: a new case, waiting for an answer. */
  const chargedTwice = () =>
    h.inbound({
      kind: 'email',
      from: { email: 'ines.dubois@example.com' },
      subject: 'Charged twice',
      text: 'I was charged twice for October.',
    });

  /** Léa, signed in on the desk, with Inès's new case open. */
  async function advisorOnTheCase(): Promise<{ advisor: Page; conversationId: number }> {
    const { page: advisor } = await h.openPage();
    await h.signIn(advisor, 'advisor');
    const { conversationId } = await chargedTwice();
    await advisor.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    await advisor.getByRole('heading', { name: /Charged twice/ }).waitFor();
    await advisor.locator('.timeline').getByText('I was charged twice for October.').waitFor();
    return { advisor, conversationId };
  }

  /** Léa, signed in on the desk. */
  async function advisorSignedIn(): Promise<Page> {
    const { page } = await h.openPage();
    await h.signIn(page, 'advisor');
    return page;
  }

  /** Léa takes a break through the presence switch in the header. */
  async function takeABreak(advisor: Page): Promise<void> {
    await advisor.goto(`${h.baseUrl}/desk/`);
    const presence = advisor.getByLabel('Presence');
    await advisor.waitForFunction(
      () =>
        (document.querySelector('.presence select') as HTMLSelectElement | null)?.disabled ===
        false,
    );
    await presence.selectOption('break');
    await advisor.waitForFunction(
      () => (document.querySelector('.presence select') as HTMLSelectElement).value === 'break',
    );
  }

  test('an advisor signs in and a new message appears live in the waiting list', async () => {
    const { page: advisor } = await h.openPage();
    await advisor.goto(`${h.baseUrl}/desk/`);
    await advisor.getByRole('heading', { name: 'Sign in to Rapport' }).waitFor();
    await h.shot(advisor, 'sign-in');
    await h.signIn(advisor, 'advisor');
    await advisor.getByText('Live', { exact: true }).waitFor();
    await h.shot(advisor, 'signed-in-empty');

    const { conversationId } = await chargedTwice();
    const row = advisor.locator(`.items li[data-conversation="${conversationId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Inès Dubois[\s\S]*Charged twice[\s\S]*waiting/);
    await h.shot(advisor, 'message-arrived-live');
  });

  test('opening it shows the whole timeline across channels and cases', async () => {
    const advisor = await advisorSignedIn();
    const { conversationId } = await chargedTwice();
    await advisor.locator(`.items li[data-conversation="${conversationId}"]`).waitFor();
    await advisor.keyboard.press('j');
    await advisor.waitForURL(`**/desk/c/${conversationId}`);
    await advisor.getByRole('heading', { name: /Charged twice/ }).waitFor();
    const timeline = advisor.locator('.timeline');
    await timeline.getByText('I was charged twice for October.').waitFor();
    await timeline.getByText('Is the 50 GB plan available for me?').waitFor();
    await timeline.getByText('Yes, I moved you to it.').waitFor();
    assert.equal(await advisor.locator('.card h2').innerText(), 'Inès Dubois');
    assert.match(await advisor.locator('.card').innerText(), /ines\.dubois@example\.com/);
    await h.shot(advisor, 'conversation-whole-timeline');
  });

  test('a reply is stored and shown as waiting for the channel, never as sent', async () => {
    const { advisor } = await advisorOnTheCase();
    await advisor.keyboard.press('r');
    const box = advisor.getByLabel('Message to Inès Dubois');
    await box.fill('Hello Inès, I refunded the second payment today.');
    await box.press('Control+Enter');
    const entry = advisor.locator('.timeline .entry.outbound', {
      hasText: 'I refunded the second payment',
    });
    await entry.waitFor();
    assert.match(await entry.innerText(), /waiting for the channel/);
    assert.doesNotMatch(await entry.innerText(), /\bsent\b/);
    assert.match(await advisor.locator('.sent-status').innerText(), /waiting for the channel/);
    await h.shot(advisor, 'reply-waiting-for-channel');
  });

  test("the customer's answer appears without reloading", async () => {
    const { advisor, conversationId } = await advisorOnTheCase();
    await h.inbound({
      kind: 'email',
      from: { email: 'ines.dubois@example.com' },
      text: 'Thank you, that was quick!',
      conversationId,
    });
    await advisor.locator('.timeline').getByText('Thank you, that was quick!').waitFor();
    await h.shot(advisor, 'customer-answer-live');
  });

  test('a snoozed case leaves the waiting list until the customer writes again', async () => {
    const { advisor, conversationId } = await advisorOnTheCase();
    await advisor.keyboard.press('Escape');
    const row = advisor.locator(`.items li[data-conversation="${conversationId}"]`);
    await row.waitFor();
    await advisor
      .getByRole('group', { name: 'Snooze this case' })
      .getByRole('combobox')
      .selectOption('4h');
    await advisor.getByRole('button', { name: 'Snooze case' }).click();
    await advisor.getByText(/Case snoozed until/).waitFor();
    await advisor.locator('.case-facts .snoozed').waitFor();
    await row.waitFor({ state: 'detached' });
    const stored = await h.ctx.store.db
      .selectFrom('conversations')
      .select(['snoozed_until', 'snoozed_at'])
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    const hours = (Number(stored.snoozed_until) - Number(stored.snoozed_at)) / 3_600_000;
    assert.ok(Math.abs(hours - 4) < 0.01, `snoozed for ${hours} h`);
    await h.shot(advisor, 'snoozed-out-of-waiting-list');
    // The customer writes again: the case wakes and comes back without a reload.
    await h.inbound({
      kind: 'email',
      from: { email: 'ines.dubois@example.com' },
      text: 'One more question about the refund.',
      conversationId,
    });
    await row.waitFor();
    await advisor.locator('.timeline').getByText('One more question about the refund.').waitFor();
    await advisor.getByRole('button', { name: 'Snooze case' }).waitFor();
    assert.equal(await advisor.locator('.case-facts .snoozed').count(), 0);
    await h.shot(advisor, 'woken-by-customer');
  });

  test('the shortcuts are listed on ? and the case resolves with e', async () => {
    const { advisor, conversationId } = await advisorOnTheCase();
    await advisor.keyboard.press('Escape'); // leave the composer: shortcuts never fire while typing
    await advisor.keyboard.press('?');
    const dialog = advisor.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    assert.match(
      await dialog.innerText(),
      /Next item[\s\S]*Reply[\s\S]*note[\s\S]*Resolve[\s\S]*Search/,
    );
    await h.shot(advisor, 'shortcuts');
    await advisor.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await advisor.keyboard.press('e');
    await advisor.locator('.case-facts .status', { hasText: 'Resolved' }).waitFor();
    const stored = await h.ctx.store.db
      .selectFrom('conversations')
      .select('status')
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    assert.equal(stored.status, 'resolved');
    await h.shot(advisor, 'resolved');
  });

  test('at 200% zoom the conversation still fits without sideways scrolling', async () => {
    const { conversationId } = await chargedTwice();
    await h.inbound({
      kind: 'email',
      from: { email: 'ines.dubois@example.com' },
      text: 'Thank you, that was quick!',
      conversationId,
    });
    const { page } = await h.openPage({
      viewport: { width: 640, height: 430 },
      deviceScaleFactor: 2,
    });
    await h.signIn(page, 'advisor');
    await page.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    await page.locator('.timeline').getByText('Thank you, that was quick!').waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    await h.shot(page, 'zoom-200');
  });

  test('a supervisor sees the wall update live', async () => {
    const { page } = await h.openPage();
    await h.signIn(page, 'supervisor');
    await page.getByRole('link', { name: 'Wall' }).click();
    await page.getByRole('heading', { name: 'Service today, every channel' }).waitFor();
    const chatWaiting = page.getByTestId('waiting-chat');
    assert.equal((await chatWaiting.innerText()).trim(), '0');
    await h.shot(page, 'wall-before');
    await h.inbound({
      kind: 'chat_message',
      from: { email: 'bruno@example.com', name: 'Bruno Rossi' },
      text: 'Is anyone there?',
    });
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="waiting-chat"]')?.textContent?.trim().startsWith('1'),
    );
    await page.getByRole('button', { name: 'Chat' }).click();
    // Listed in the chat drill-down and in "Why work waits": both link to the case.
    await page
      .getByRole('link', { name: /Bruno Rossi/ })
      .first()
      .waitFor();
    await h.shot(page, 'wall-after-live-update');
  });

  test('the presence switch in the header tells the routing engine', async () => {
    const advisor = await advisorSignedIn();
    await takeABreak(advisor);
    const state = await h.ctx.store.db
      .selectFrom('advisor_states')
      .select('presence')
      .where('advisor_id', '=', h.people.advisor.id)
      .executeTakeFirstOrThrow();
    assert.equal(state.presence, 'break');
    await advisor.getByText(/^Queues:/).waitFor();
    await h.shot(advisor, 'presence-break');
  });

  test("the wall shows advisors' states and occupancy, marks those above the cap, and drills in", async () => {
    const advisor = await advisorSignedIn();
    await takeABreak(advisor);
    const { page } = await h.openPage();
    await h.signIn(page, 'supervisor');
    await page.goto(`${h.baseUrl}/desk/wall`);
    const lea = page.locator(`tr[data-advisor="${h.people.advisor.id}"]`);
    await lea.getByText('On a break').waitFor();
    await h.shot(page, 'wall-advisors-on-break');
    // Léa comes back: the wall hears it live.
    await advisor.getByLabel('Presence').selectOption('available');
    await lea.getByText('Available').waitFor();
    const call = await h.inbound({
      kind: 'call',
      from: { phone: '+33612345678', name: 'Hugo Petit' },
      text: 'Call about my line',
    });
    await h.ctx.writer.run((unit) => dispatchWork(unit, h.ctx.store.dialect));
    // Time travel for the test: the call was offered 55 minutes ago, so the last hour is 55/60 busy.
    await h.ctx.store.db
      .updateTable('work_items')
      .set({ offered_at: Date.now() - 55 * 60_000 })
      .where('conversation_id', '=', call.conversationId)
      .execute();
    const offer = advisor.getByRole('alertdialog', { name: 'New work for you' });
    await offer.waitFor();
    await offer.getByRole('button', { name: 'Accept' }).click();
    await lea.getByText('above cap').waitFor();
    assert.match(await lea.innerText(), /Phone 1\/1/);
    assert.match(await page.getByTestId('above-cap').innerText(), /Above the cap: Léa Martin/);
    assert.equal(await page.locator('.advisors .chart-alert').count(), 1);
    await h.shot(page, 'wall-advisor-above-cap');
    await lea.getByRole('button', { name: 'Léa Martin' }).click();
    const drill = page.getByRole('region', { name: 'Work held by Léa Martin' });
    await drill.getByRole('link', { name: /Hugo Petit/ }).waitFor();
    await h.shot(page, 'wall-advisor-drill-down');
  });

  test('an advisor is refused the admin screens', async () => {
    const advisor = await advisorSignedIn();
    assert.equal(await advisor.getByRole('link', { name: 'Admin' }).count(), 0);
    await advisor.goto(`${h.baseUrl}/desk/admin`);
    await advisor.getByRole('heading', { name: 'Not for your role' }).waitFor();
    const status = await advisor.evaluate(async () => (await fetch('/api/advisors')).status);
    assert.equal(status, 403);
    await h.shot(advisor, 'admin-refused');
  });

  test('an administrator manages people, service levels and macros', async () => {
    const { conversationId } = await chargedTwice();
    const { page } = await h.openPage();
    await h.signIn(page, 'admin');
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('cell', { name: /Léa Martin/ }).waitFor();
    await h.shot(page, 'admin-people');
    await page.getByRole('link', { name: 'Service levels' }).click();
    await page.getByLabel('Chat: answer within', { exact: true }).fill('90');
    await page.getByLabel('Chat: unit').selectOption('seconds');
    await page.getByRole('row', { name: /Chat/ }).getByRole('button', { name: 'Save' }).click();
    await page.getByText('Chat: promise saved.').waitFor();
    await page.getByRole('link', { name: 'Macros' }).click();
    await page.getByLabel('Name').fill('Refund done');
    await page
      .getByLabel('Text')
      .fill('Hello {{customer.firstName}}, the refund is on its way. {{advisor.name}}');
    await page.getByRole('button', { name: 'Add macro' }).click();
    await page.getByText('Macro “Refund done” saved.').waitFor();
    await h.shot(page, 'admin-macros');
    const policy = await h.ctx.store.db
      .selectFrom('service_level_policies')
      .selectAll()
      .where('channel', '=', 'chat')
      .executeTakeFirstOrThrow();
    assert.equal(Number(policy.threshold_ms), 90_000);

    // Teams: create one, then rename it.
    await page.getByRole('link', { name: 'Teams' }).click();
    await page.getByLabel('Team name').fill('Billing');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByText('Team “Billing” created.').waitFor();
    await page.getByLabel('Name of team Billing').fill('Billing and refunds');
    await page
      .getByRole('row', { name: /Contact centre/ })
      .filter({ has: page.getByLabel('Name of team Billing') })
      .getByRole('button', { name: 'Rename' })
      .click();
    await page.getByText('Team renamed to “Billing and refunds”.').waitFor();
    await h.shot(page, 'admin-teams');

    // Shops: open one in its time zone and give it weekday hours; "open now" follows its clock.
    await page.getByRole('link', { name: 'Shops and hours' }).click();
    await page.getByLabel('Shop name').fill('Montréal');
    await page.getByLabel('City').fill('Montréal');
    await page.getByLabel('Address').fill('1 rue Sainte-Catherine');
    await page.getByLabel('Time zone', { exact: true }).selectOption('America/Toronto');
    await page.getByRole('button', { name: 'Open shop' }).click();
    await page.getByText(/Shop “Montréal” opened in America\/Toronto/).waitFor();
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
      await page.getByLabel(`Open on ${day}`).check();
      await page.getByLabel(`${day} opens`).fill('09:00');
      await page.getByLabel(`${day} closes`).fill('17:30');
    }
    await page.getByRole('button', { name: 'Save hours' }).click();
    await page.getByText('Montréal: hours saved.').waitFor();
    const shop = await h.ctx.store.db
      .selectFrom('shops')
      .select('id')
      .where('name', '=', 'Montréal')
      .executeTakeFirstOrThrow();
    const hours = [1, 2, 3, 4, 5].map((weekday) => ({
      weekday: weekday as 1,
      opens: '09:00',
      closes: '17:30',
    }));
    const expected = isOpenAt('America/Toronto', hours, Date.now()) ? 'Open' : 'Closed';
    await page.waitForFunction(
      ([id, text]) => document.querySelector(`[data-testid="open-${id}"]`)?.textContent === text,
      [shop.id, expected] as const,
    );
    assert.match(
      await page.locator(`tr[data-shop="${shop.id}"]`).innerText(),
      /Mon 09:00–17:30, Tue/,
    );
    await h.shot(page, 'admin-shops-hours');

    // Channel accounts: rename the chat widget, set the phone line's auth token (shown only as
    // "set"), switch the only SMS number off; the composer follows at once.
    await page.getByRole('link', { name: 'Channels' }).click();
    await page.getByLabel('Display name of Website chat').fill('Live chat widget');
    await page.getByLabel('Base URL of Care line').fill('http://127.0.0.1:9/twilio');
    const token = 'desk-test-auth-token-PLAIN';
    await page.getByLabel('authToken of Care line').fill(token);
    await page
      .locator('section[data-channel="voice"] tr')
      .nth(1)
      .getByRole('button', { name: 'Save' })
      .click();
    await page.getByText('Care line: account saved.').waitFor();
    await page
      .locator('section[data-channel="voice"] [data-secret-state="authToken"]')
      .filter({ hasText: /^set$/ })
      .waitFor();
    assert.equal(await page.getByLabel('authToken of Care line').inputValue(), '');
    assert.ok(!(await page.content()).includes(token), 'the page never shows the secret');
    await page
      .locator('section[data-channel="chat"] tr')
      .nth(1)
      .getByRole('button', { name: 'Save' })
      .click();
    await page.getByText('Live chat widget: account saved.').waitFor();
    await page.getByLabel('Replies on Care texts', { exact: true }).uncheck();
    await page
      .locator('section[data-channel="sms"] tr')
      .nth(1)
      .getByRole('button', { name: 'Save' })
      .click();
    await page.getByText('Care texts: account saved.').waitFor();
    // The mailbox's servers: read it over IMAP, acknowledge new emails.
    await page.getByText('Mail servers of Care mailbox').click();
    await page.getByLabel('SMTP server of Care mailbox').fill('smtp.acme.test');
    await page.getByLabel('SMTP port of Care mailbox').fill('587');
    await page.getByLabel('IMAP server (read this mailbox) of Care mailbox').fill('imap.acme.test');
    await page.getByLabel('Acknowledge new emails of Care mailbox').check();
    await page
      .locator('section[data-channel="email"] tr[data-account]')
      .first()
      .getByRole('button', { name: 'Save' })
      .click();
    await page.getByText('Care mailbox: account saved.').waitFor();
    await h.shot(page, 'admin-channel-accounts');
    const mailboxRow = await h.ctx.store.db
      .selectFrom('channel_accounts')
      .select('settings')
      .where('address', '=', 'care@test.rapport')
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(mailboxRow.settings), {
      smtpHost: 'smtp.acme.test',
      smtpPort: 587,
      imapHost: 'imap.acme.test',
      acknowledge: true,
    });
    const sms = await h.ctx.store.db
      .selectFrom('channel_accounts')
      .selectAll()
      .where('channel', '=', 'sms')
      .executeTakeFirstOrThrow();
    assert.equal(Number(sms.enabled), 0);
    const line = await h.ctx.store.db
      .selectFrom('channel_accounts')
      .selectAll()
      .where('channel', '=', 'voice')
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(line.secret_names), ['authToken']);
    assert.ok(!JSON.stringify(line).includes(token), 'sealed at rest');
    assert.equal(JSON.parse(line.settings).baseUrl, 'http://127.0.0.1:9/twilio');
    await page.goto(`${h.baseUrl}/desk/c/${conversationId}`);
    const replyOn = page.getByLabel('Reply on');
    await replyOn.waitFor();
    const options = await replyOn.locator('option').allInnerTexts();
    assert.ok(options.includes('Chat'), options.join(', '));
    assert.ok(options.includes('SMS (switched off)'), options.join(', '));
    await h.shot(page, 'composer-follows-channel-accounts');
  });
});
