import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { password, startDeskHarness, type DeskHarness } from './test-harness.ts';
import { createAdvisor, hashPassword } from '../src/advisors/advisors.ts';
import { systemActor } from '../src/platform/events/event.ts';
import {
  insertAppointment,
  insertTicket,
  setUpFloor,
  type Floor,
} from '../test/shop-desk-fixture.ts';

const minute = 60_000;

/**
 * The shop desk in Chromium: a shop advisor's first screen is their counter; call next → serve (the
 * customer's whole story and their open case from another team, settled at the counter) → finish;
 * two desks pressing "Call next" at once get two different visitors; a desk open in one browser is
 * taken over from a second, and the first learns it live. Tickets are rows, as the kiosk writes them.
 */
describe('the shop desk in Chromium', { timeout: 90_000 }, () => {
  let h: DeskHarness;
  let floor: Floor;
  const emails = { chloe: 'chloe@shop.test', marcus: 'marcus@shop.test' };

  before(async () => {
    h = await startDeskHarness('shop-desk');
    const hash = await hashPassword(password);
    floor = await h.ctx.writer.run(async (unit) => {
      const shop = await unit.db
        .insertInto('shops')
        .values({
          name: 'Lyon Part-Dieu',
          city: 'Lyon',
          time_zone: 'Europe/Paris',
          address: '17 rue du Docteur Bouchut',
          team_id: null,
          created_at: unit.now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const f = await setUpFloor(unit.db, shop.id, unit.now, 3);
      for (const [name, email, skills] of [
        ['Chloé Bernard', emails.chloe, ['repairs']],
        ['Marcus Weber', emails.marcus, ['repairs']],
      ] as const) {
        const advisor = await createAdvisor(
          unit,
          { name, email, role: 'shop_advisor', teamId: null, shopId: shop.id, passwordHash: hash },
          systemActor,
        );
        await unit.db
          .updateTable('advisors')
          .set({ skills: JSON.stringify(skills) })
          .where('id', '=', advisor.id)
          .execute();
      }
      return f;
    });
  });
  after(() => h?.close());

  const signIn = async (page: Page, email: string) => {
    await page.goto(`${h.baseUrl}/desk/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  };
  const chooseDesk = async (page: Page, name: string) => {
    await page.getByLabel('Desk', { exact: true }).selectOption({ label: name });
    await page.getByRole('button', { name: 'Call next' }).waitFor();
  };
  const clearFloor = () =>
    h.ctx.store.db
      .updateTable('shop_tickets')
      .set({ status: 'cancelled' })
      .where('status', 'in', ['waiting', 'called', 'serving'])
      .execute();

  test('call next → serve → finish, with the customer’s other open case settled at the counter', async () => {
    // Nora wrote to Care by email last week; today she walks in and takes a ticket.
    const email = await h.inbound({
      kind: 'email',
      from: { email: 'nora.vidal@example.com', name: 'Nora Vidal' },
      subject: 'Charged twice in November',
      text: 'My November invoice was charged twice. Can you refund one?',
      teamId: h.teamId,
      occurredAt: new Date(Date.now() - 5 * 86_400_000).toISOString(),
    });
    const now = Date.now();
    const nora = await insertTicket(h.ctx.store.db, floor, {
      serviceId: floor.services.question,
      waitingSince: now - 14 * minute,
      customerId: email.customerId,
    });
    const other = await insertTicket(h.ctx.store.db, floor, {
      serviceId: floor.services.repair,
      waitingSince: now - 6 * minute,
    });
    await h.ctx.writer.run((unit) =>
      insertAppointment(unit, floor, {
        serviceId: floor.services.repair,
        startsAt: now + 90 * minute,
        name: 'Hugo Blanc',
        email: 'hugo.blanc@example.com',
        checkedIn: false,
      }),
    );

    const { page } = await h.openPage({ viewport: { width: 1366, height: 900 } });
    await signIn(page, emails.chloe);
    // A shop advisor lands on the counter, not the contact centre's work list.
    await page.waitForURL(/\/desk\/shop$/);
    await chooseDesk(page, 'Desk 1');
    const queue = page.getByRole('list', { name: 'Next for this desk' });
    await queue.getByText(nora.code).waitFor();
    assert.match((await queue.locator('li').first().textContent()) ?? '', /waiting 14 min/);
    await page.getByText('Hugo Blanc').waitFor();
    await page.getByRole('button', { name: 'Check in' }).waitFor();
    await h.shot(page, 'queue-and-appointments');

    await page.getByRole('button', { name: 'Call next' }).click();
    const visit = page.getByLabel('Visitor at the desk');
    await visit.getByText(nora.code).waitFor();
    await visit.getByText('Called · waited 14 min').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Call next' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Recall' }).click();
    await visit.getByText('recalled 1×').waitFor();
    await h.shot(page, 'called');

    await page.getByRole('button', { name: 'Serve', exact: true }).click();
    await visit.getByText(/Serving · waited 14 min/).waitFor();
    // Her whole story: the visit and last week's email, and the Care case still open.
    const cases = page.getByRole('region', { name: /open cases/ });
    await cases.getByRole('button', { name: /Charged twice in November/ }).click();
    const timeline = page.getByRole('region', { name: 'Timeline, every channel' });
    await timeline.getByText('Visit at Lyon Part-Dieu, Desk 1: General question').waitFor();
    await timeline.getByText('My November invoice was charged twice').waitFor();
    await h.shot(page, 'serving-with-her-story');

    await page
      .getByLabel('Reply or note')
      .fill('Refund of the second charge promised at the counter.');
    await page.getByRole('button', { name: 'Send and resolve' }).click();
    await cases.getByText('No open case.').waitFor();
    const resolved = await h.ctx.store.db
      .selectFrom('conversations')
      .select('status')
      .where('id', '=', email.conversationId)
      .executeTakeFirstOrThrow();
    assert.equal(resolved.status, 'resolved');
    await h.shot(page, 'case-settled-at-the-counter');

    await page.getByRole('button', { name: 'Finish' }).click();
    await page.getByText('Nobody at the desk.').waitFor();
    const served = await h.ctx.store.db
      .selectFrom('shop_tickets')
      .select(['status', 'finished_at'])
      .where('id', '=', nora.id)
      .executeTakeFirstOrThrow();
    assert.equal(served.status, 'served');
    assert.ok(served.finished_at);
    await queue.getByText(other.code).waitFor();
    await h.shot(page, 'finished');
    await clearFloor();
  });

  test('two desks pressing "Call next" at once get two different visitors', async () => {
    const now = Date.now();
    const first = await insertTicket(h.ctx.store.db, floor, {
      serviceId: floor.services.repair,
      waitingSince: now - 9 * minute,
    });
    const second = await insertTicket(h.ctx.store.db, floor, {
      serviceId: floor.services.repair,
      waitingSince: now - 3 * minute,
    });
    const { page: chloe } = await h.openPage();
    const { page: marcus } = await h.openPage();
    await signIn(chloe, emails.chloe);
    await signIn(marcus, emails.marcus);
    await chloe.goto(`${h.baseUrl}/desk/shop`);
    await marcus.goto(`${h.baseUrl}/desk/shop`);
    await chooseDesk(chloe, 'Desk 2');
    await chooseDesk(marcus, 'Desk 3');
    await chloe.getByRole('list', { name: 'Next for this desk' }).getByText(second.code).waitFor();
    await marcus.getByRole('list', { name: 'Next for this desk' }).getByText(second.code).waitFor();
    await Promise.all([
      chloe.getByRole('button', { name: 'Call next' }).click(),
      marcus.getByRole('button', { name: 'Call next' }).click(),
    ]);
    const codeAt = async (page: Page) => {
      const code = page.getByLabel('Visitor at the desk').locator('.code');
      await code.waitFor();
      return code.textContent();
    };
    const codes = [await codeAt(chloe), await codeAt(marcus)];
    assert.deepEqual([...codes].sort(), [first.code, second.code].sort());
    await h.shot(chloe, 'desk-2-called');
    await h.shot(marcus, 'desk-3-called');
    // A walk-in who left no contact at the kiosk says who they are; the visit joins their story.
    await chloe.getByLabel('Name').fill('Paul Martin');
    await chloe.getByLabel('Phone').fill('06 12 00 44 55');
    await chloe.getByRole('button', { name: 'Serve', exact: true }).click();
    await chloe.getByRole('heading', { name: /Paul Martin: open cases/ }).waitFor();
    const ticket = await h.ctx.store.db
      .selectFrom('shop_tickets')
      .innerJoin('identities', 'identities.customer_id', 'shop_tickets.customer_id')
      .select(['identities.value', 'shop_tickets.status'])
      .where('shop_tickets.code', '=', codes[0]!)
      .executeTakeFirstOrThrow();
    assert.deepEqual(ticket, { value: '+33612004455', status: 'serving' });
    await h.shot(chloe, 'walk-in-named-and-served');
    await clearFloor();
  });

  test('a desk open in one browser is taken over from a second, and the first learns it live', async () => {
    // The earlier tests' tabs are gone (as if closed for good): their desks are free.
    await h.ctx.store.db.deleteFrom('shop_desk_sessions').execute();
    const { page: before } = await h.openPage();
    await signIn(before, emails.chloe);
    await before.goto(`${h.baseUrl}/desk/shop`);
    await chooseDesk(before, 'Desk 1');
    await before.waitForFunction(
      () => !(document.querySelector('.call-next') as HTMLButtonElement | null)?.disabled,
    );
    const { page: later } = await h.openPage();
    await signIn(later, emails.chloe);
    await later.goto(`${h.baseUrl}/desk/shop`);
    await later.getByLabel('Desk', { exact: true }).selectOption({ label: 'Desk 1' });
    const ask = later.getByRole('alertdialog', { name: 'Desk in use' });
    await ask.getByText(/open in another browser \(Chloé Bernard\)/).waitFor();
    assert.equal(await later.getByRole('button', { name: 'Call next' }).isDisabled(), true);
    await h.shot(later, 'asked-to-take-over');
    await ask.getByRole('button', { name: 'Take over this desk' }).click();
    await later.waitForFunction(
      () => !(document.querySelector('.call-next') as HTMLButtonElement | null)?.disabled,
    );
    // No reload: the first browser hears it over the live connection.
    await before
      .getByRole('alert')
      .getByText(/taken over in another browser by Chloé Bernard/)
      .waitFor();
    assert.equal(await before.getByRole('button', { name: 'Call next' }).isDisabled(), true);
    await h.shot(before, 'lost-the-desk');
    await h.shot(later, 'holds-the-desk');
  });
});
