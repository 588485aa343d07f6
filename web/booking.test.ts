import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import type { BookingResult, SlotList } from '../src/api-types/appointments.ts';

/**
 * The public booking page and the appointment page behind its signed link, in Chromium: find a
 * shop by postcode and by the browser's location, pick a service, a day and a time in the shop's
 * zone, book (once after a slot is taken under our feet), then open the link the text message
 * carried, move the appointment, open the old link, cancel, and see the old link point to the new
 * booking. A screenshot at each step in test-artifacts/booking/.
 */

const root = path.resolve(import.meta.dirname, '..');

function ensureShopPagesBuilt(): void {
  if (fs.existsSync(path.join(root, 'web/dist/shop/book.html'))) return;
  execFileSync(
    path.join(root, 'node_modules/.bin/vite'),
    ['build', '--config', 'web/shop/vite.config.ts', '--logLevel', 'warn'],
    { cwd: root, stdio: 'inherit' },
  );
}

describe('booking an appointment in a shop (Chromium)', () => {
  let h: DeskHarness;
  let serviceId: number;
  let lyonId: number;

  before(async () => {
    // The desk's build empties web/dist: the shop pages are built after it.
    h = await startDeskHarness('booking');
    ensureShopPagesBuilt();
    const ids = await h.ctx.writer.run(async (unit) => {
      const shop = async (
        name: string,
        city: string,
        timeZone: string,
        postcode: string,
        latitude: number,
        longitude: number,
        address: string,
      ) =>
        (
          await unit.db
            .insertInto('shops')
            .values({
              name,
              city,
              time_zone: timeZone,
              address,
              team_id: h.teamId,
              created_at: unit.now,
              postcode,
              latitude,
              longitude,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
      const lyon = await shop(
        'Lyon Part-Dieu',
        'Lyon',
        'Europe/Paris',
        '69003',
        45.7606,
        4.8593,
        '17 rue du Docteur Bouchut',
      );
      const paris = await shop(
        'Paris Opéra',
        'Paris',
        'Europe/Paris',
        '75009',
        48.8719,
        2.3316,
        '2 boulevard Haussmann',
      );
      const newYork = await shop(
        'New York Flatiron',
        'New York',
        'America/New_York',
        '10010',
        40.7411,
        -73.9897,
        '175 5th Avenue',
      );
      const service = async (code: string, name: string, skills: string[]) =>
        (
          await unit.db
            .insertInto('shop_services')
            .values({
              code,
              name,
              ticket_prefix: name[0]!,
              duration_minutes: 30,
              buffer_minutes: 10,
              skills: JSON.stringify(skills),
              bookable: 1,
              walk_in: 1,
              created_at: unit.now,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
      const repair = await service('device-repair', 'Device repair', ['repairs']);
      const contract = await service('contract-change', 'Contract change', ['sales']);
      await unit.db
        .updateTable('advisors')
        .set({ skills: JSON.stringify(['repairs', 'sales']) })
        .where('id', '=', h.people.advisor.id)
        .execute();
      for (const shopId of [lyon, paris, newYork]) {
        await unit.db
          .insertInto('shop_hours')
          .values(
            [1, 2, 3, 4, 5, 6, 7].flatMap((weekday) => [
              { shop_id: shopId, weekday, opens: '09:00', closes: '12:30' },
              { shop_id: shopId, weekday, opens: '14:00', closes: '18:00' },
            ]),
          )
          .execute();
        const desk = await unit.db
          .insertInto('shop_desks')
          .values({ shop_id: shopId, name: 'Desk 1', created_at: unit.now })
          .returning('id')
          .executeTakeFirstOrThrow();
        await unit.db
          .insertInto('shop_offered_services')
          .values([
            { shop_id: shopId, service_id: repair },
            { shop_id: shopId, service_id: contract },
          ])
          .execute();
        await unit.db
          .insertInto('shop_shifts')
          .values(
            [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
              shop_id: shopId,
              advisor_id: h.people.advisor.id,
              weekday,
              date: null,
              starts: '09:00',
              ends: '18:00',
              desk_id: desk.id,
            })),
          )
          .execute();
      }
      return { lyon, repair };
    });
    serviceId = ids.repair;
    lyonId = ids.lyon;
  });
  after(async () => h?.close());

  const freeSlots = async () =>
    (await (
      await fetch(`${h.baseUrl}/api/book/shops/${lyonId}/slots?serviceId=${serviceId}`)
    ).json()) as SlotList;

  async function pickFirstDayAndTime(page: Page, index = 0): Promise<string> {
    await page
      .getByRole('list', { name: 'Days with free times' })
      .getByRole('button')
      .first()
      .click();
    const time = page
      .getByRole('list', { name: 'Free times', exact: true })
      .getByRole('button')
      .nth(index);
    const label = (await time.textContent())!;
    await time.click();
    return label;
  }

  test('a customer books, is refused a slot taken meanwhile, moves and cancels from the link', async () => {
    const { page } = await h.openPage({ viewport: { width: 480, height: 900 } });
    await page.goto(`${h.baseUrl}/book`);
    await page.getByRole('heading', { name: 'Which shop?' }).waitFor();
    await h.shot(page, 'find-a-shop');

    await page.getByLabel('Your postcode').fill('69007');
    await page.getByRole('button', { name: 'Find shops' }).click();
    const shops = page.getByRole('list', { name: 'Shops, nearest first' }).getByRole('button');
    await shops.first().waitFor();
    assert.match((await shops.first().textContent())!, /Lyon Part-Dieu/);
    assert.equal(await shops.count(), 3);
    await h.shot(page, 'shops-nearest-the-postcode');

    await shops.first().click();
    await page.getByRole('heading', { name: 'What can Lyon Part-Dieu do for you?' }).waitFor();
    await h.shot(page, 'pick-a-service');
    await page.getByRole('button', { name: /Device repair/ }).click();

    await page.getByText('Times are in the shop’s time: Paris time (Europe/Paris).').waitFor();
    await h.shot(page, 'pick-a-day');
    await page
      .getByRole('list', { name: 'Days with free times' })
      .getByRole('button')
      .first()
      .click();
    await page.getByRole('list', { name: 'Free times', exact: true }).waitFor();
    await h.shot(page, 'pick-a-time');
    const first = page
      .getByRole('list', { name: 'Free times', exact: true })
      .getByRole('button')
      .first();
    const firstTime = (await first.textContent())!;
    await first.click();

    await page.getByRole('heading', { name: 'Your details' }).waitFor();
    assert.match(
      (await page.locator('.card').textContent()) ?? '',
      /Device repair at Lyon Part-Dieu, .*(Europe\/Paris)/,
    );
    await page.getByLabel('Name').fill('Ana Lima');
    await page.getByLabel('Email').fill('ana.lima@example.com');
    await page.getByLabel('Mobile phone (for a text message)').fill('06 12 34 56 78');
    await h.shot(page, 'your-details');

    // Someone else takes that very slot before Ana presses the button.
    const taken = (await freeSlots()).items[0]!;
    assert.equal(taken.time, firstTime);
    const other = await fetch(`${h.baseUrl}/api/book/appointments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        shopId: lyonId,
        serviceId,
        startsAt: taken.startsAt,
        name: 'Bo',
        email: 'bo@example.com',
      }),
    });
    assert.equal(other.status, 201);
    await page.getByRole('button', { name: 'Book this appointment' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'someone has just booked this time' })
      .waitFor();
    await page.getByRole('list', { name: 'Days with free times' }).waitFor();
    await h.shot(page, 'slot-taken-meanwhile');

    const chosen = await pickFirstDayAndTime(page);
    assert.notEqual(chosen, firstTime, 'the taken time is no longer offered first');
    await page.getByLabel('Name').fill('Ana Lima');
    await page.getByLabel('Email').fill('ana.lima@example.com');
    await page.getByLabel('Mobile phone (for a text message)').fill('06 12 34 56 78');
    await page.getByRole('button', { name: 'Book this appointment' }).click();
    await page.getByRole('heading', { name: 'You are booked' }).waitFor();
    assert.match(
      (await page.locator('section.card').textContent())!,
      new RegExp(
        `${chosen}.*Paris time \\(Europe/Paris\\).*by email and text message, with a calendar file`,
      ),
    );
    await h.shot(page, 'booked');

    // The text message carries the signed link; open it as the customer would.
    const sms = await h.ctx.store.db
      .selectFrom('interactions')
      .select('text')
      .where('channel', '=', 'sms')
      .where('to_address', '=', '+33612345678')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const link = new URL(/https?:\/\/\S+\/appointment\/\S+/.exec(sms.text)![0]);
    assert.equal(link.searchParams.get('v'), '1');
    const oldLink = `${h.baseUrl}${link.pathname}${link.search}`;
    await page.goto(oldLink);
    await page.getByRole('region', { name: 'Appointment' }).getByText('Booked').waitFor();
    await h.shot(page, 'appointment-page-from-the-text-message');

    await page.getByRole('button', { name: 'Move to another time' }).click();
    await page.getByRole('heading', { name: 'Pick a new time' }).waitFor();
    await page
      .getByRole('list', { name: 'Days with free times' })
      .getByRole('button')
      .nth(1)
      .click();
    await h.shot(page, 'move-pick-a-new-time');
    const newTime = page
      .getByRole('list', { name: 'Free times', exact: true })
      .getByRole('button')
      .nth(2);
    const movedTo = (await newTime.textContent())!;
    await newTime.click();
    await page.getByRole('status').filter({ hasText: 'Moved to' }).waitFor();
    assert.match(
      (await page.getByRole('status').textContent())!,
      new RegExp(`${movedTo}.*Europe/Paris`),
    );
    await h.shot(page, 'moved');

    // The first message's link (version 1) opens the booking as it is now, saying it moved.
    await page.goto(oldLink);
    await page
      .getByRole('status')
      .filter({ hasText: 'your appointment has moved since' })
      .waitFor();
    assert.match(
      (await page.getByRole('region', { name: 'Appointment' }).textContent())!,
      new RegExp(movedTo),
    );
    await h.shot(page, 'old-link-shows-the-moved-booking');

    await page.getByRole('button', { name: 'Cancel the appointment' }).click();
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.getByRole('status').filter({ hasText: 'Your appointment is cancelled.' }).waitFor();
    await h.shot(page, 'cancelled');

    // Ana books again; the old link shows the cancelled one and points to the live booking.
    const again = (await freeSlots()).items[3]!;
    const rebooked = (await (
      await fetch(`${h.baseUrl}/api/book/appointments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          shopId: lyonId,
          serviceId,
          startsAt: again.startsAt,
          name: 'Ana Lima',
          email: 'ana.lima@example.com',
        }),
      })
    ).json()) as BookingResult;
    await page.goto(oldLink);
    const pointer = page.getByRole('link', { name: 'Open your current appointment' });
    await pointer.waitFor();
    await h.shot(page, 'old-link-points-to-the-live-booking');
    await pointer.click();
    await page.waitForURL(`**/appointment/${rebooked.appointment.token}`);
    await page.getByRole('region', { name: 'Appointment' }).getByText('Booked').waitFor();
    await h.shot(page, 'the-live-booking');
  });

  test("the browser's location ranks the shops by distance", async () => {
    const context = await h.browser.newContext({
      viewport: { width: 480, height: 800 },
      geolocation: { latitude: 48.8566, longitude: 2.3522 },
      permissions: ['geolocation'],
    });
    try {
      const page = await context.newPage();
      await page.goto(`${h.baseUrl}/book`);
      await page.getByRole('button', { name: 'Use my location' }).click();
      const shops = page.getByRole('list', { name: 'Shops, nearest first' }).getByRole('button');
      await shops.first().waitFor();
      const texts = await shops.allTextContents();
      assert.match(texts[0]!, /Paris Opéra.* · 2(\.\d)? km/);
      assert.match(texts[1]!, /Lyon Part-Dieu.* · 39\d(\.\d)? km/);
      assert.match(texts[2]!, /New York Flatiron/);
      await h.shot(page, 'shops-nearest-the-browser-location');
    } finally {
      await context.close();
    }
  });
});
