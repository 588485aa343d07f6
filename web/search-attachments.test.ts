import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';

describe('search that finds, and files on notes, in Chromium', () => {
  let h: DeskHarness;
  let firstCase = 0;

  before(async () => {
    h = await startDeskHarness('search-attachments');
    for (let i = 0; i < 32; i++) {
      const { conversationId } = await h.inbound({
        kind: 'email',
        from: { email: `zorblat${i}@example.com`, name: `Zora Blat ${i}` },
        subject: `Zorblat order ${i}`,
        text: `My zorblat number ${i} never came`,
      });
      if (i === 0) firstCase = conversationId;
    }
  });
  after(() => h?.close());

  test('results show customer, subject, status and channel, page past 30, and the address keeps the search', async () => {
    const { page } = await h.openPage();
    await h.signIn(page, 'supervisor');
    await page.goto(`${h.baseUrl}/desk/search?q=zorblat`);
    const rows = page.locator('table.found-cases tbody tr');
    await rows.nth(29).waitFor();
    assert.equal(await rows.count(), 30);
    const newest = rows.first();
    assert.match(await newest.innerText(), /Zora Blat 31\s+Zorblat order 31\s+Open\s+Email/);
    await h.shot(page, 'first-page');

    await page.getByRole('button', { name: 'More results' }).click();
    await rows.nth(31).waitFor();
    assert.equal(await rows.count(), 32);
    assert.equal(await page.getByRole('button', { name: 'More results' }).count(), 0);

    await page.getByLabel('Status').selectOption('resolved');
    await page.getByText('No case matches “zorblat” with these filters.').waitFor();
    assert.match(page.url(), /[?&]q=zorblat&status=resolved$/);
    await page.reload();
    await page.getByText('No case matches “zorblat” with these filters.').waitFor();
    assert.equal(await page.getByLabel('Words or phone number').inputValue(), 'zorblat');
    assert.equal(await page.locator('#global-search').inputValue(), 'zorblat');
    assert.equal(await page.getByLabel('Status').inputValue(), 'resolved');
    await h.shot(page, 'filtered-after-reload');

    await page.goBack();
    await rows.nth(29).waitFor();
    assert.equal(await page.getByLabel('Status').inputValue(), '');
    assert.match(page.url(), /[?&]q=zorblat$/);
  });

  test('a note keeps a file that the timeline then offers to download', async () => {
    const { page } = await h.openPage();
    await h.signIn(page, 'supervisor');
    await page.goto(`${h.baseUrl}/desk/c/${firstCase}`);
    await page.getByRole('button', { name: /Internal note/ }).click();
    await page.getByLabel('Attach files').setInputFiles({
      name: 'meter-reading.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Meter 12345 read on Monday'),
    });
    const toSend = page.getByRole('list', { name: 'Files to send' });
    await toSend.getByText('meter-reading.txt').waitFor();
    await page.getByLabel('Note for colleagues (never sent)').fill('Reading attached');
    await h.shot(page, 'note-with-file');
    await page.getByRole('button', { name: 'Add note' }).click();
    const link = page.locator('.timeline .attachments a', { hasText: 'meter-reading.txt' });
    await link.waitFor();
    const href = await link.getAttribute('href');
    assert.match(href ?? '', /^\/api\/interactions\/\d+\/attachments\/0$/);
    assert.equal(await page.getByRole('link', { name: 'Open meter-reading.txt' }).count(), 1);
    const body = await page.evaluate(async (url) => (await fetch(url)).text(), href!);
    assert.equal(body, 'Meter 12345 read on Monday');

    await page.getByRole('button', { name: /^Reply/ }).click();
    await page.getByLabel('Reply on').waitFor();
    assert.equal(await page.getByText(/replies cannot carry files/).count(), 0, 'email carries');
    await h.shot(page, 'timeline-file');
  });
});
