import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { dispatchWork } from '../src/routing/dispatch-round.ts';

/**
 * Offers and waiting work in Chromium: three offers at once are counted and stepped through; a
 * declined chat is not offered straight back; the desk's queue panel and the wall say why it waits
 * and list the decline. One server, two pages.
 */
describe('offers and why work waits, in Chromium', { timeout: 60_000 }, () => {
  let h: DeskHarness;

  before(async () => {
    h = await startDeskHarness('waiting-offers');
  });
  after(() => h?.close());

  const dispatch = () => h.ctx.writer.run((unit) => dispatchWork(unit, h.ctx.store.dialect));

  test('three offers show their count; a decline is respected and the queue panel and wall say why', async () => {
    const { page } = await h.openPage({ viewport: { width: 1280, height: 900 } });
    await h.signIn(page, 'advisor');
    await page.waitForFunction(
      () =>
        (document.querySelector('.presence select') as HTMLSelectElement | null)?.disabled ===
        false,
    );
    await page.getByLabel('Presence').selectOption('available');
    await page.waitForFunction(
      () => (document.querySelector('.presence select') as HTMLSelectElement).value === 'available',
    );
    for (const name of ['Aline Roux', 'Bruno Petit', 'Chloé Blanc'])
      await h.inbound({
        kind: 'chat_message',
        from: { email: `${name.split(' ')[0]!.toLowerCase()}@example.com`, name },
        text: 'Anyone there?',
        teamId: h.teamId,
      });
    await h.ctx.writer.drain();
    await dispatch();

    const popup = page.getByRole('alertdialog', { name: /New work for you/ });
    await popup.getByText('Offer 1 of 3').waitFor();
    await popup.getByRole('button', { name: 'Next' }).click();
    await popup.getByText('Offer 2 of 3').waitFor();
    await h.shot(page, 'three-offers-counted');
    const shown = await popup.locator('#offer-what strong').innerText();

    await popup.getByRole('button', { name: 'Decline' }).click();
    await popup.getByText(/Offer \d of 2/).waitFor();
    await dispatch();
    const declined = await h.ctx.store.db
      .selectFrom('work_items')
      .innerJoin('customers', 'customers.id', 'work_items.customer_id')
      .select(['work_items.status', 'work_items.advisor_id'])
      .where('customers.display_name', '=', shown)
      .where('work_items.status', 'in', ['waiting', 'offered', 'assigned'])
      .executeTakeFirstOrThrow();
    assert.equal(declined.status, 'waiting', `${shown} is not offered straight back`);

    await page.getByText(/^Queues:/).click();
    await page.getByTestId('why-chat').getByText(`Declined by ${h.people.advisor.name}`).waitFor();
    await h.shot(page, 'queue-panel-says-why');

    const { page: wall } = await h.openPage({ viewport: { width: 1280, height: 1400 } });
    await h.signIn(wall, 'supervisor');
    await wall.goto(`${h.baseUrl}/desk/wall`);
    const why = wall.getByRole('region', { name: 'Why work waits' });
    await why.getByTestId('waiting-work').getByText(shown).waitFor();
    assert.match(await why.getByTestId('waiting-work').innerText(), /Declined by/);
    assert.match(
      await why.getByTestId('declines').innerText(),
      new RegExp(`${h.people.advisor.name} declined ${shown}`),
    );
    await why.scrollIntoViewIfNeeded();
    await h.shot(wall, 'wall-says-why');
  });
});
