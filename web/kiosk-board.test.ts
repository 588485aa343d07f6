import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { chromiumArgs, startDeskHarness, type DeskHarness } from './test-harness.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { recordBoardCall } from '../src/shops/board-calls.ts';

/**
 * The shop floor's public screens in Chromium: the kiosk at the door (a ticket with its wait, an
 * appointment's check-in, the offline notice) and the display board (two calls within a second both
 * shown and announced in turn, the enable-sound prompt). Screenshots in test-artifacts/kiosk-board/.
 */

const root = path.resolve(import.meta.dirname, '..');

interface Floor {
  readonly shopId: number;
  readonly repair: number;
  readonly general: number;
  readonly deskId: number;
}

async function setUpShop(h: DeskHarness): Promise<Floor> {
  return h.ctx.writer.run(async (unit) => {
    const team = await unit.db
      .insertInto('teams')
      .values({ name: 'Lyon shop', kind: 'shop', created_at: unit.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const shop = await unit.db
      .insertInto('shops')
      .values({
        name: 'Lyon Part-Dieu',
        city: 'Lyon',
        time_zone: 'Europe/Paris',
        address: '17 rue du Docteur Bouchut',
        team_id: team.id,
        created_at: unit.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Open round the clock, so the test runs whatever the hour.
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
    const service = async (code: string, name: string, prefix: string, duration: number) => {
      const row = await unit.db
        .insertInto('shop_services')
        .values({
          code,
          name,
          ticket_prefix: prefix,
          duration_minutes: duration,
          buffer_minutes: 0,
          skills: '[]',
          bookable: 1,
          walk_in: 1,
          created_at: unit.now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await unit.db
        .insertInto('shop_offered_services')
        .values({ shop_id: shop.id, service_id: row.id })
        .execute();
      return row.id;
    };
    const repair = await service('device-repair', 'Device repair', 'R', 30);
    const general = await service('general-question', 'General question', 'G', 10);
    const desk = await unit.db
      .insertInto('shop_desks')
      .values({ shop_id: shop.id, name: 'Desk 3', created_at: unit.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await unit.db
      .insertInto('shop_shifts')
      .values(
        [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
          shop_id: shop.id,
          advisor_id: h.people.advisor.id,
          weekday,
          date: null,
          starts: '00:00',
          ends: '24:00',
          desk_id: desk.id,
        })),
      )
      .execute();
    return { shopId: shop.id, repair, general, deskId: desk.id };
  });
}

const ticketCount = async (h: DeskHarness) =>
  (await h.ctx.store.db.selectFrom('shop_tickets').select('code').orderBy('id').execute()).map(
    (t) => t.code,
  );

describe('the kiosk and the display board in Chromium', () => {
  let h: DeskHarness;
  let browser: Browser;
  let floor: Floor;

  before(async () => {
    h = await startDeskHarness('kiosk-board', { browser: false });
    // After the desk's build (which empties web/dist when it runs): the pages as they are now.
    execFileSync(
      path.join(root, 'node_modules/.bin/vite'),
      ['build', '--config', 'web/shop/vite.config.ts', '--logLevel', 'warn'],
      { cwd: root, stdio: 'inherit' },
    );
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [...chromiumArgs, '--autoplay-policy=user-gesture-required'],
    });
    floor = await setUpShop(h);
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('a walk-in picks a service, leaves a phone number and gets a ticket with its wait', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${h.baseUrl}/kiosk/${floor.shopId}`);
    await page.getByRole('heading', { name: 'What can we help you with?' }).waitFor();
    await page.getByText('Lyon Part-Dieu').waitFor();
    const repair = page.getByRole('button', { name: /Device repair/ });
    assert.match((await repair.textContent()) ?? '', /No wait/);
    const box = (await repair.boundingBox())!;
    assert.ok(box.height >= 88 && box.width >= 280, `a big target: ${box.width}×${box.height}`);
    await h.shot(page, 'kiosk-services');

    await repair.click();
    await page.getByLabel('Mobile number or email').fill('06 12 34 56 78');
    await h.shot(page, 'kiosk-contact');
    await page.getByRole('button', { name: 'Get my ticket' }).click();
    await page.locator('.ticket-code', { hasText: 'R-001' }).waitFor();
    await page.getByText('We will send you a message when your turn nears.').waitFor();
    await page.getByText('Nobody ahead of you').waitFor();
    await h.shot(page, 'kiosk-ticket');
    await page.getByRole('button', { name: 'Done' }).click();

    // The next visitor, without a phone: one person ahead, the repair's 30 minutes.
    await page.getByRole('button', { name: /General question/ }).click();
    const take = page.getByRole('button', { name: 'Get my ticket without a message' });
    // A double tap: one ticket.
    await take.dblclick();
    await page.locator('.ticket-code', { hasText: 'G-001' }).waitFor();
    await page.getByText('About 30 min').waitFor();
    await page.getByText('1 person ahead of you').waitFor();
    await page.getByText('Watch the screen: your number will be called.').waitFor();
    await h.shot(page, 'kiosk-ticket-no-message');
    assert.deepEqual(await ticketCount(h), ['R-001', 'G-001']);
    await context.close();
  });

  test('the kiosk says clearly when it is offline, sends nothing, and recovers', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${h.baseUrl}/kiosk/${floor.shopId}`);
    await page.getByRole('heading', { name: 'What can we help you with?' }).waitFor();

    // The tablet loses its network.
    await context.setOffline(true);
    const banner = page.getByRole('alert').filter({ hasText: 'Offline' });
    await banner.waitFor();
    assert.equal(await page.getByRole('button', { name: /General question/ }).isDisabled(), true);
    await h.shot(page, 'kiosk-offline');
    await context.setOffline(false);
    await banner.waitFor({ state: 'detached' });

    // The server stops answering while the tablet thinks it is online.
    await page.getByRole('button', { name: /General question/ }).click();
    await page.route('**/api/kiosk/**', (route) => route.abort('connectionrefused'));
    await page.getByRole('button', { name: 'Get my ticket without a message' }).click();
    await banner.waitFor();
    await page.getByText('you will get one ticket, never two').waitFor();
    await h.shot(page, 'kiosk-server-unreachable');
    assert.deepEqual(await ticketCount(h), ['R-001', 'G-001']);
    await page.unroute('**/api/kiosk/**');
    // It keeps trying, and carries on once the server answers.
    await banner.waitFor({ state: 'detached', timeout: 8_000 });
    await page.getByRole('button', { name: 'Get my ticket without a message' }).click();
    await page.locator('.ticket-code', { hasText: 'G-002' }).waitFor();
    await h.shot(page, 'kiosk-recovered');
    await context.close();
  });

  test('an early appointment holder checks in at the kiosk and gets no ticket', async () => {
    const inAnHour = Date.now() + 60 * 60_000;
    await h.ctx.writer.run(async (unit) => {
      const customer = await unit.db
        .insertInto('customers')
        .values({
          display_name: 'Camille Roux',
          language: null,
          consent: '{}',
          owner_id: null,
          last_advisor_id: null,
          merged_into_id: null,
          erased_at: null,
          search_text: 'Camille Roux',
          created_at: unit.now,
          updated_at: unit.now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await unit.db
        .insertInto('shop_appointments')
        .values({
          shop_id: floor.shopId,
          service_id: floor.repair,
          customer_id: customer.id,
          // Today in Paris, unless the test runs in the last hour of the day there.
          starts_at: Math.min(inAnHour, endOfParisDay() - 31 * 60_000),
          ends_at: Math.min(inAnHour, endOfParisDay() - 31 * 60_000) + 30 * 60_000,
          status: 'booked',
          name: 'Camille',
          phone: '+33677777777',
          email: null,
          created_at: unit.now,
          updated_at: unit.now,
        })
        .execute();
    });
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${h.baseUrl}/kiosk/${floor.shopId}`);
    await page.getByRole('button', { name: 'I have an appointment' }).click();
    await page.getByLabel('Booking code, mobile number or email').fill('06 77 77 77 77');
    await h.shot(page, 'kiosk-appointment');
    await page.getByRole('button', { name: 'Check in' }).click();
    await page.getByRole('heading', { name: 'You are checked in, Camille' }).waitFor();
    await page.getByText('You do not need a ticket.').waitFor();
    await h.shot(page, 'kiosk-checked-in');
    const row = await h.ctx.store.db
      .selectFrom('shop_appointments')
      .select(['status', 'checked_in_at'])
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'checked-in');
    assert.ok(row.checked_in_at !== null);
    assert.deepEqual(await ticketCount(h), ['R-001', 'G-001', 'G-002']);
    await context.close();
  });

  test('a closed shop’s kiosk says so and when it opens again, and takes no ticket', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());
    await h.ctx.writer.run((unit) =>
      unit.db
        .insertInto('shop_exceptions')
        .values({
          shop_id: floor.shopId,
          date: today,
          opens: null,
          closes: null,
          reason: 'Stocktake',
        })
        .execute(),
    );
    try {
      const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(`${h.baseUrl}/kiosk/${floor.shopId}`);
      await page.getByRole('heading', { name: 'The shop is closed now' }).waitFor();
      await page.getByText(/We open again on \w+ at 00:00 \(Europe\/Paris\)\./).waitFor();
      assert.equal(await page.getByRole('button', { name: /Device repair/ }).count(), 0);
      await h.shot(page, 'kiosk-closed');
      await context.close();
    } finally {
      await h.ctx.writer.run((unit) =>
        unit.db.deleteFrom('shop_exceptions').where('shop_id', '=', floor.shopId).execute(),
      );
    }
  });

  test('the board shows two calls made within a second, announcing them one after the other', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    // Headless Chromium lets audio start without a tap whatever its autoplay policy; a screen's
    // browser does not. As such a browser does, audio starts suspended until a gesture resumes it.
    await context.addInitScript(() => {
      const Original = window.AudioContext;
      window.AudioContext = class extends Original {
        constructor(options?: AudioContextOptions) {
          super(options);
          if (!navigator.userActivation.hasBeenActive) void this.suspend();
        }
      };
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${h.baseUrl}/board/${floor.shopId}?hold=1500`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await page.locator('.waiting li', { hasText: 'R-001' }).waitFor();
    // Autoplay is blocked: the board asks for a tap before it can chime.
    const enable = page.getByRole('button', { name: /Enable sound/ });
    await enable.waitFor();
    await h.shot(page, 'board-waiting-enable-sound');
    await enable.click();
    await enable.waitFor({ state: 'detached' });

    const tickets = await h.ctx.store.db
      .selectFrom('shop_tickets')
      .select(['id', 'code'])
      .orderBy('id')
      .execute();
    const call = (ticket: { id: number; code: string }) =>
      h.ctx.writer.run(async (unit) => {
        await unit.db
          .updateTable('shop_tickets')
          .set({ status: 'called', first_called_at: unit.now, last_called_at: unit.now })
          .where('id', '=', ticket.id)
          .execute();
        await recordBoardCall(
          unit,
          {
            shopId: floor.shopId,
            ticketId: ticket.id,
            code: ticket.code,
            deskId: floor.deskId,
            deskName: 'Desk 3',
          },
          systemActor,
        );
      });
    const started = Date.now();
    await call(tickets[0]!);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await call(tickets[1]!);
    assert.ok(Date.now() - started < 1_000, 'both calls within a second');

    const headline = page.locator('.now-code');
    await headline.filter({ hasText: 'R-001' }).waitFor();
    await page.locator('.now-desk', { hasText: 'at Desk 3' }).waitFor();
    // Both are on the board at once: the second among the calls while the first is announced.
    await page.locator('.calls li', { hasText: 'G-001' }).waitFor();
    await h.shot(page, 'board-first-call');
    await headline.filter({ hasText: 'G-001' }).waitFor();
    await page.locator('.calls li', { hasText: 'R-001' }).waitFor();
    await h.shot(page, 'board-second-call');
    await page.waitForFunction(
      () => document.querySelector('.board')?.getAttribute('data-announced') === 'R-001,G-001',
    );
    // The numbers called are no longer waiting; a new ticket joins the list.
    await page.locator('.waiting li', { hasText: 'R-001' }).waitFor({ state: 'detached' });
    const taken = await fetch(`${h.baseUrl}/api/kiosk/${floor.shopId}/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ serviceId: floor.repair }),
    });
    assert.equal(taken.status, 201);
    await page.locator('.waiting li', { hasText: 'R-002' }).waitFor();
    // Readable from across the shop: the number is at least a fifth of the screen's height.
    const size = await headline.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(size >= 216, `the called number is ${size}px high`);
    await h.shot(page, 'board-after-calls');
    await context.close();
  });
});

function endOfParisDay(): number {
  const now = new Date();
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Paris',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const hour = Number(parts.find((p) => p.type === 'hour')!.value);
  const minute = Number(parts.find((p) => p.type === 'minute')!.value);
  return now.getTime() + ((23 - hour) * 60 + (60 - minute)) * 60_000;
}
