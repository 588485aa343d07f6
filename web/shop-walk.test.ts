import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { password, startDeskHarness, type DeskHarness } from './test-harness.ts';
import { createAdvisor, hashPassword } from '../src/advisors/advisors.ts';
import { systemActor } from '../src/platform/events/event.ts';

/**
 * Issue 13's walk through the shop floor, in Chromium, on one server and its real pages: a customer
 * books online at /book, checks in at the kiosk; a walk-in takes a ticket there; the display board
 * shows them live; the shop advisor at the shop desk calls next (the walk-in, then the customer),
 * serves, and opens a repair for the customer being served; the customer accepts the estimate on
 * the repair's status page (the signed link of their text message, no login), and the page shows
 * each step as the advisor moves the repair along. A screenshot at each step in
 * test-artifacts/shop-walk/.
 */

const root = path.resolve(import.meta.dirname, '..');

/** Builds the shop pages when this checkout has not yet (a fresh worktree). */
function ensureShopPagesBuilt(): void {
  if (fs.existsSync(path.join(root, 'web/dist/shop/book.html'))) return;
  execFileSync(
    path.join(root, 'node_modules/.bin/vite'),
    ['build', '--config', 'web/shop/vite.config.ts', '--logLevel', 'warn'],
    { cwd: root, stdio: 'inherit' },
  );
}

/**
 * The shop is open round the clock, but a day still ends at midnight in its zone (a booking is for
 * today, a ticket's number resets): the walk runs in a shop whose clock reads between 06:00 and
 * 21:00 now, so the customer's booking, check-in and visit all fall on the shop's today.
 */
const places = [
  {
    zone: 'Europe/Paris',
    name: 'Lyon Part-Dieu',
    city: 'Lyon',
    address: '17 rue du Docteur Bouchut',
    postcode: '69003',
    latitude: 45.7606,
    longitude: 4.8593,
  },
  {
    zone: 'America/New_York',
    name: 'New York Flatiron',
    city: 'New York',
    address: '175 5th Avenue',
    postcode: '10010',
    latitude: 40.7411,
    longitude: -73.9897,
  },
  {
    zone: 'Asia/Tokyo',
    name: 'Tokyo Shibuya',
    city: 'Tokyo',
    address: '1-2-3 Jinnan',
    postcode: '150-0041',
    latitude: 35.6619,
    longitude: 139.7004,
  },
] as const;
const place = places.find((p) => {
  const hour = DateTime.now().setZone(p.zone).hour;
  return hour >= 6 && hour < 21;
})!;

describe('the shop floor walk: book, check in, queue, board, desk, repair, status page', () => {
  let h: DeskHarness;
  let shopId = 0;
  const advisorEmail = 'chloe@shop.test';

  before(async () => {
    ensureShopPagesBuilt();
    h = await startDeskHarness('shop-walk');
    const passwordHash = await hashPassword(password);
    shopId = await h.ctx.writer.run(async (unit) => {
      const team = await unit.db
        .insertInto('teams')
        .values({ name: `${place.city} shop`, kind: 'shop', created_at: unit.now })
        .returning('id')
        .executeTakeFirstOrThrow();
      const shop = await unit.db
        .insertInto('shops')
        .values({
          name: place.name,
          city: place.city,
          time_zone: place.zone,
          address: place.address,
          postcode: place.postcode,
          latitude: place.latitude,
          longitude: place.longitude,
          team_id: team.id,
          created_at: unit.now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await unit.db
        .insertInto('shop_hours')
        .values(
          [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
            shop_id: shop.id,
            weekday,
            opens: '00:00',
            closes: '24:00',
          })),
        )
        .execute();
      const desks: Array<{ id: number }> = [];
      for (const name of ['Desk 1', 'Desk 2'])
        desks.push(
          await unit.db
            .insertInto('shop_desks')
            .values({ shop_id: shop.id, name, created_at: unit.now })
            .returning('id')
            .executeTakeFirstOrThrow(),
        );
      const service = async (
        code: string,
        name: string,
        prefix: string,
        minutes: [number, number],
        skills: string[],
        bookable: boolean,
      ) => {
        const row = await unit.db
          .insertInto('shop_services')
          .values({
            code,
            name,
            ticket_prefix: prefix,
            duration_minutes: minutes[0],
            buffer_minutes: minutes[1],
            skills: JSON.stringify(skills),
            bookable: bookable ? 1 : 0,
            walk_in: 1,
            created_at: unit.now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await unit.db
          .insertInto('shop_offered_services')
          .values({ shop_id: shop.id, service_id: row.id })
          .execute();
      };
      await service('device-repair', 'Device repair', 'R', [30, 10], ['repairs'], true);
      await service('general-question', 'General question', 'G', [10, 0], [], false);
      const chloe = await createAdvisor(
        unit,
        {
          name: 'Chloé Bernard',
          email: advisorEmail,
          role: 'shop_advisor',
          teamId: team.id,
          shopId: shop.id,
          passwordHash,
        },
        systemActor,
      );
      await unit.db
        .updateTable('advisors')
        .set({ skills: JSON.stringify(['repairs']) })
        .where('id', '=', chloe.id)
        .execute();
      await unit.db
        .insertInto('shop_shifts')
        .values(
          [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
            shop_id: shop.id,
            advisor_id: chloe.id,
            weekday,
            date: null,
            starts: '00:00',
            ends: '24:00',
            desk_id: desks[0]!.id,
          })),
        )
        .execute();
      return shop.id;
    });
  });
  after(() => h?.close());

  test('from the booking page to the collected repair', { timeout: 120_000 }, async () => {
    // The board across the room is on before anyone comes in.
    const { page: board } = await h.openPage({ viewport: { width: 1600, height: 900 } });
    await board.goto(`${h.baseUrl}/board/${shopId}?hold=300`);
    await board.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await board.getByText('Please take a ticket').waitFor();
    await board.getByText(place.name).waitFor();
    await h.shot(board, 'board-before-anyone-comes');

    // 1. Ana books a device repair online.
    const { page: phone } = await h.openPage({ viewport: { width: 420, height: 900 } });
    await phone.goto(`${h.baseUrl}/book`);
    await phone.getByLabel('Your postcode').fill(place.postcode);
    await phone.getByRole('button', { name: 'Find shops' }).click();
    const shops = phone.getByRole('list', { name: 'Shops, nearest first' }).getByRole('button');
    await shops.first().waitFor();
    assert.match((await shops.first().textContent()) ?? '', new RegExp(place.name));
    await shops.first().click();
    await phone.getByRole('heading', { name: `What can ${place.name} do for you?` }).waitFor();
    // Walk-in only services are not offered for booking.
    assert.equal(await phone.getByRole('button', { name: /General question/ }).count(), 0);
    await phone.getByRole('button', { name: /Device repair/ }).click();
    await phone
      .getByText(new RegExp(`Times are in the shop’s time: .*\\(${place.zone}\\)\\.`))
      .waitFor();
    await phone
      .getByRole('list', { name: 'Days with free times' })
      .getByRole('button')
      .first()
      .click();
    // The third free time: at least half an hour away, so she is early when she arrives.
    const time = phone
      .getByRole('list', { name: 'Free times', exact: true })
      .getByRole('button')
      .nth(2);
    const chosen = ((await time.textContent()) ?? '').trim();
    await time.click();
    await phone.getByRole('heading', { name: 'Your details' }).waitFor();
    await phone.getByLabel('Name').fill('Ana Lima');
    await phone.getByLabel('Email').fill('ana.lima@example.com');
    await phone.getByLabel('Mobile phone (for a text message)').fill('06 12 34 56 78');
    await h.shot(phone, 'book-your-details');
    await phone.getByRole('button', { name: 'Book this appointment' }).click();
    await phone.getByRole('heading', { name: 'You are booked' }).waitFor();
    assert.match(
      (await phone.locator('section.card').textContent()) ?? '',
      new RegExp(`${chosen}.*\\(${place.zone}\\)`),
    );
    await h.shot(phone, 'book-booked');
    const booking = await h.ctx.store.db
      .selectFrom('shop_appointments')
      .select(['id', 'customer_id', 'starts_at', 'status'])
      .executeTakeFirstOrThrow();
    assert.equal(booking.status, 'booked');
    const startsLocal = DateTime.fromMillis(booking.starts_at, { zone: place.zone });
    assert.equal(startsLocal.toFormat('HH:mm'), chosen);
    assert.equal(startsLocal.toISODate(), DateTime.now().setZone(place.zone).toISODate());

    // 2. She arrives early and checks in at the kiosk with her phone number: no ticket.
    const { page: kiosk } = await h.openPage({ viewport: { width: 1024, height: 768 } });
    await kiosk.goto(`${h.baseUrl}/kiosk/${shopId}`);
    await kiosk.getByRole('heading', { name: 'What can we help you with?' }).waitFor();
    await kiosk.getByRole('button', { name: 'I have an appointment' }).click();
    await kiosk.getByLabel('Booking code, mobile number or email').fill('06 12 34 56 78');
    await kiosk.getByRole('button', { name: 'Check in' }).click();
    await kiosk.getByRole('heading', { name: 'You are checked in, Ana' }).waitFor();
    await kiosk.getByText(`Device repair at ${chosen}`).waitFor();
    await kiosk.getByText(/You are \d+ min early/).waitFor();
    await kiosk.getByText('You do not need a ticket.').waitFor();
    await h.shot(kiosk, 'kiosk-checked-in');
    const checkedIn = await h.ctx.store.db
      .selectFrom('shop_appointments')
      .select('status')
      .executeTakeFirstOrThrow();
    assert.equal(checkedIn.status, 'checked-in');
    await kiosk.getByRole('button', { name: 'Done' }).click();

    // 3. A walk-in takes a ticket for a question, leaving a phone number.
    await kiosk.getByRole('button', { name: /General question/ }).click();
    await kiosk.getByLabel('Mobile number or email').fill('07 98 76 54 32');
    await kiosk.getByRole('button', { name: 'Get my ticket' }).click();
    await kiosk.locator('.ticket-code', { hasText: 'G-001' }).waitFor();
    await kiosk.getByText('We will send you a message when your turn nears.').waitFor();
    await h.shot(kiosk, 'kiosk-walk-in-ticket');
    const tickets = await h.ctx.store.db.selectFrom('shop_tickets').select('code').execute();
    assert.deepEqual(
      tickets.map((t) => t.code),
      ['G-001'],
      'the checked-in customer got no ticket',
    );

    // 4. The board, never reloaded, lists the walk-in's number as next.
    await board.locator('.waiting li', { hasText: 'G-001' }).waitFor();
    await h.shot(board, 'board-walk-in-waiting');

    // 5. The shop advisor opens her counter: both visitors are there, the walk-in first.
    const { page: desk } = await h.openPage({ viewport: { width: 1366, height: 900 } });
    await desk.goto(`${h.baseUrl}/desk/`);
    await desk.getByLabel('Email', { exact: true }).fill(advisorEmail);
    await desk.getByLabel('Password').fill(password);
    await desk.getByRole('button', { name: 'Sign in' }).click();
    await desk.waitForURL(/\/desk\/shop$/);
    await desk.getByLabel('Desk', { exact: true }).selectOption({ label: 'Desk 1' });
    const queue = desk.getByRole('list', { name: 'Next for this desk' }).locator('li');
    await queue.nth(1).waitFor();
    assert.match((await queue.nth(0).textContent()) ?? '', /G-001.*General question.*walk-in/);
    assert.match(
      (await queue.nth(1).textContent()) ?? '',
      new RegExp(`${chosen}.*Ana Lima.*appointment, early`),
    );
    await desk
      .locator('.appointments li', { hasText: 'Ana Lima' })
      .getByText('checked-in')
      .waitFor();
    await h.shot(desk, 'desk-both-waiting');

    // 6. Call next: the walk-in. The board calls G-001 to Desk 1.
    const visit = desk.getByLabel('Visitor at the desk');
    await desk.getByRole('button', { name: 'Call next' }).click();
    await visit.locator('.code', { hasText: 'G-001' }).waitFor();
    await visit.getByText(/^Called · waited \d+ min/).waitFor();
    await board.locator('.now-code', { hasText: 'G-001' }).waitFor();
    await board.locator('.now-desk', { hasText: 'at Desk 1' }).waitFor();
    await board.locator('.waiting li', { hasText: 'G-001' }).waitFor({ state: 'detached' });
    await h.shot(board, 'board-calls-the-walk-in');
    await desk.getByRole('button', { name: 'Serve', exact: true }).click();
    await visit.getByText(/^Serving · waited \d+ min/).waitFor();
    await h.shot(desk, 'desk-serving-the-walk-in');
    await desk.getByRole('button', { name: 'Finish' }).click();
    await desk.getByText('Nobody at the desk.').waitFor();

    // 7. Call next: Ana, early, since nobody else waits. Her call gets a number of its time.
    const code = `R-${startsLocal.toFormat('HHmm')}`;
    await desk.getByRole('button', { name: 'Call next' }).click();
    await visit.locator('.code', { hasText: code }).waitFor();
    await visit.getByText('Device repair · Ana Lima · appointment').waitFor();
    await board.locator('.now-code', { hasText: code }).waitFor();
    await board.locator('.now-desk', { hasText: 'at Desk 1' }).waitFor();
    await board.locator('.calls li', { hasText: 'G-001' }).waitFor();
    await h.shot(board, 'board-shows-both-calls');
    await desk.getByRole('button', { name: 'Serve', exact: true }).click();
    await visit.getByText(/^Serving · waited \d+ min/).waitFor();
    await desk.getByRole('heading', { name: /Ana Lima: open cases/ }).waitFor();
    await h.shot(desk, 'desk-now-serving-ana');
    const served = await h.ctx.store.db
      .selectFrom('shop_tickets')
      .select(['id', 'status', 'customer_id'])
      .where('code', '=', code)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      { status: served.status, customer: served.customer_id },
      { status: 'serving', customer: booking.customer_id },
    );

    // 8. She has brought a broken phone: a repair opened from the counter, for her.
    await desk.getByRole('link', { name: 'Open a repair' }).click();
    await desk.getByRole('heading', { name: 'New repair' }).waitFor();
    assert.equal(
      await desk.getByRole('textbox', { name: 'Customer number' }).inputValue(),
      String(booking.customer_id),
    );
    await desk.getByLabel('Tell them by').selectOption('sms');
    await desk.getByLabel('Device', { exact: true }).fill('Pixel 7');
    await desk.getByLabel('Serial number').fill('PX7-0042');
    await desk.getByLabel('Fault').fill('Cracked screen; touch dead in the lower third');
    await desk.getByLabel('Condition').fill('Scratches on the back');
    await desk.getByLabel('Accessories left with it').fill('case');
    await h.shot(desk, 'repair-intake-for-ana');
    await desk.getByRole('button', { name: 'Save draft' }).click();
    await desk.getByRole('heading', { name: /Pixel 7/ }).waitFor();
    assert.equal(await desk.getByTestId('repair-status').textContent(), 'Draft');
    await desk.getByText('for Ana Lima').waitFor();
    const repair = await h.ctx.store.db
      .selectFrom('shop_repairs')
      .select(['customer_id', 'ticket_id', 'shop_id'])
      .executeTakeFirstOrThrow();
    assert.deepEqual(repair, {
      customer_id: booking.customer_id,
      ticket_id: served.id,
      shop_id: shopId,
    });
    await desk.getByLabel('Amount').fill('89.00');
    await desk.getByLabel('Note', { exact: true }).fill('New screen and digitiser');
    await desk.getByRole('button', { name: 'Propose estimate' }).click();
    await desk.getByText('Estimate saved: it goes to the customer with the intake.').waitFor();
    await desk.getByRole('button', { name: 'Confirm intake' }).click();
    await desk.getByText('Now received.').waitFor();
    await desk.getByText('customer told by SMS').waitFor();
    const repairPage = desk.url();
    await h.shot(desk, 'repair-received');

    // Back at the counter, the visit ends.
    await desk.getByRole('link', { name: 'Shop desk' }).click();
    await visit.locator('.code', { hasText: code }).waitFor();
    await desk.getByRole('button', { name: 'Finish' }).click();
    await desk.getByText('Nobody at the desk.').waitFor();
    await h.shot(desk, 'desk-visit-finished');

    // 9. At home, Ana opens the link of her text message: no login, the estimate to decide.
    const sms = await h.ctx.store.db
      .selectFrom('interactions')
      .select('text')
      .where('channel', '=', 'sms')
      .where('direction', '=', 'outbound')
      .where('to_address', '=', '+33612345678')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const link = new URL(/https?:\/\/\S+\/repairs\/[A-Za-z0-9._-]+/.exec(sms.text)![0]);
    const statusUrl = `${h.baseUrl}${link.pathname}`;
    assert.equal(await desk.getByTestId('status-link').count(), 0, 'the desk is on the counter');
    await phone.goto(statusUrl);
    await phone.getByRole('heading', { name: 'Your Pixel 7' }).waitFor();
    assert.equal(await phone.getByTestId('current-status').textContent(), 'Received at the shop');
    await phone.getByText(`Times are the shop’s local time (${place.zone}).`).waitFor();
    await phone.locator('.estimate .amount', { hasText: '89.00' }).waitFor();
    await h.shot(phone, 'status-estimate-proposed');
    await phone.getByRole('button', { name: 'Accept' }).click();
    await phone.getByText('Thank you: the repair goes ahead.').waitFor();
    assert.match(
      (await phone.getByTestId('estimate-decision').textContent()) ?? '',
      /^You accepted this estimate on /,
    );
    assert.equal(await phone.getByRole('button', { name: 'Accept' }).count(), 0);
    await h.shot(phone, 'status-estimate-accepted');

    // 10. The advisor moves the repair along; the status page shows each step.
    await desk.goto(repairPage);
    await desk.getByText('accepted by the customer').waitFor();
    const labels = ['Received at the shop'];
    for (const [button, done, label, shot] of [
      ['Start diagnosing', 'Now diagnosing.', 'Diagnosing', 'diagnosing'],
      ['Waiting for parts', 'Now waiting for parts.', 'Waiting for parts', 'waiting-for-parts'],
      ['Mark repaired', 'Now repaired.', 'Repaired', 'repaired'],
      ['Ready for pickup', 'Now ready for pickup.', 'Ready for pickup', 'ready-for-pickup'],
      ['Collected by the customer', 'Now collected.', 'Collected', 'collected'],
    ] as const) {
      await desk.getByRole('button', { name: button, exact: true }).click();
      await desk.getByText(done).waitFor();
      labels.push(label);
      await phone.reload();
      await phone.getByTestId('current-status').filter({ hasText: label }).waitFor();
      const steps = phone.locator('.steps li');
      for (const [i, reached] of labels.entries()) {
        const text = (await steps.nth(i).textContent()) ?? '';
        assert.ok(text.startsWith(reached), `${text} is not ${reached}`);
        assert.match(text, new RegExp(`\\d\\d:\\d\\d \\(${place.zone}`), `${reached}: when`);
      }
      // What is still to come says so; nothing reached is left out.
      assert.equal(await steps.locator('time').count(), labels.length);
      assert.equal(await steps.getByText('not yet').count(), 6 - labels.length);
      await h.shot(phone, `status-${shot}`);
    }
    await desk.getByText('The device was collected: this repair is finished.').waitFor();
    await h.shot(desk, 'repair-collected');
  });
});
