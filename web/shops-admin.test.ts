import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { createAdvisor } from '../src/advisors/advisors.ts';
import { systemActor } from '../src/platform/events/event.ts';

describe("the shops' floor in the admin screens, and the shops on the wall, in Chromium", () => {
  let h: DeskHarness;
  let page: Page;
  let pilar: number;
  const zone = 'Europe/Madrid';
  /** A shop-local date some days from now (always in the future for the server's checks). */
  const inDays = (days: number) => DateTime.now().setZone(zone).plus({ days }).toISODate()!;

  before(async () => {
    h = await startDeskHarness('shops-admin');
    ({ page } = await h.openPage({ viewport: { width: 1280, height: 1000 } }));
    await h.signIn(page, 'admin');
  });
  after(() => h.close());

  /** The status line says `text` (the outcome of the last action). */
  const says = (text: string | RegExp) =>
    page.getByRole('status').filter({ hasText: text }).first().waitFor();

  test('an administrator opens a shop and sets up its whole floor', async () => {
    await page.goto(`${h.baseUrl}/desk/admin/shops`);
    await page.getByRole('heading', { name: 'Shops and business hours' }).waitFor();

    // The time zone is chosen from the IANA list, not typed.
    const zoneSelect = page.getByLabel('Time zone', { exact: true });
    assert.equal(await zoneSelect.evaluate((e) => e.tagName), 'SELECT');
    await page.waitForFunction(
      () =>
        (document.querySelector('select[name="timeZone"]') as HTMLSelectElement).options.length >
        300,
    );
    await page.getByLabel('Shop name').fill('Madrid Sol');
    await page.getByLabel('Address', { exact: true }).fill('Puerta del Sol 1');
    await page.getByLabel('Postcode', { exact: true }).fill('28013');
    await page.getByLabel('City', { exact: true }).fill('Madrid');
    await page.getByLabel('Latitude', { exact: true }).fill('40.4168');
    await page.getByLabel('Longitude', { exact: true }).fill('-3.7038');
    await zoneSelect.selectOption(zone);
    await page.getByRole('button', { name: 'Open shop' }).click();
    await says(/Shop “Madrid Sol” opened in Europe\/Madrid/);
    // Its first shop advisor joins; the desk reloads to know her.
    const opened = await h.ctx.store.db
      .selectFrom('shops')
      .select('id')
      .where('name', '=', 'Madrid Sol')
      .executeTakeFirstOrThrow();
    pilar = await h.ctx.writer.run(
      async (unit) =>
        (
          await createAdvisor(
            unit,
            {
              name: 'Pilar Ruiz',
              email: 'pilar@desk.test',
              role: 'shop_advisor',
              teamId: null,
              shopId: opened.id,
              passwordHash: null,
            },
            systemActor,
          )
        ).id,
    );
    await page.reload();
    await page.getByRole('button', { name: 'Madrid Sol' }).click();
    await page.getByRole('heading', { name: 'Edit Madrid Sol' }).waitFor();

    // Weekdays with a long lunch break: two openings a day.
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
      await page.getByLabel(`Open on ${day}`).check();
      await page.getByLabel(`${day} opens`, { exact: true }).fill('10:00');
      await page.getByLabel(`${day} closes`, { exact: true }).fill('14:00');
      await page.getByRole('button', { name: `Add an opening on ${day}` }).click();
      await page.getByLabel(`${day} opens, opening 2`).fill('17:00');
      await page.getByLabel(`${day} closes, opening 2`).fill('20:30');
    }
    await page.getByLabel('Open on Saturday').check();
    await page.getByLabel('Saturday opens', { exact: true }).fill('10:00');
    await page.getByLabel('Saturday closes', { exact: true }).fill('14:00');
    await page.getByRole('button', { name: 'Save hours' }).click();
    await says('Madrid Sol: hours saved.');
    const shop = await h.ctx.store.db
      .selectFrom('shops')
      .selectAll()
      .where('name', '=', 'Madrid Sol')
      .executeTakeFirstOrThrow();
    assert.equal(shop.postcode, '28013');
    assert.equal(shop.time_zone, zone);
    assert.equal(Number(shop.latitude), 40.4168);
    await page.waitForFunction(
      (id) =>
        document
          .querySelector(`tr[data-shop="${id}"]`)
          ?.textContent?.includes('Mon 10:00–14:00 & 17:00–20:30'),
      shop.id,
    );
    // Overlapping openings are refused with the reason, and nothing changes.
    await page.getByLabel('Tuesday opens, opening 2').fill('13:00');
    await page.getByRole('button', { name: 'Save hours' }).click();
    await says(/overlaps another opening of Tuesday/);
    await page.getByLabel('Tuesday opens, opening 2').fill('17:00');
    await h.shot(page, 'hours-with-lunch-break');

    // A holiday and a special day; an overlapping special opening is refused.
    const holiday = inDays(20);
    const special = inDays(19);
    await page.getByLabel('Exception date').fill(holiday);
    await page.getByLabel('Reason').fill('Holiday');
    await page.getByRole('button', { name: 'Add exception' }).click();
    await says(`Madrid Sol: exception on ${holiday} added.`);
    const addSpecial = async (opens: string, closes: string) => {
      await page.getByLabel('Exception date').fill(special);
      await page.getByLabel('Closed all day').uncheck();
      await page.getByLabel('Special opening').fill(opens);
      await page.getByLabel('Special closing').fill(closes);
      await page.getByLabel('Reason').fill('Late opening');
      await page.getByRole('button', { name: 'Add exception' }).click();
    };
    await addSpecial('12:00', '22:00');
    await says(`Madrid Sol: exception on ${special} added.`);
    await addSpecial('21:00', '23:00');
    await says(/overlaps the special opening 12:00–22:00/);
    const exceptions = page.locator('table.exceptions tbody tr');
    assert.equal(await exceptions.count(), 2);
    assert.match(await exceptions.nth(0).innerText(), /12:00–22:00/);
    assert.match(await exceptions.nth(1).innerText(), /Closed all day/);

    // Desks: unique names in the shop; one taken out of service.
    for (const name of ['Mesa 1', 'Mesa 2', 'Mesa 1']) {
      await page.getByLabel('New desk name').fill(name);
      await page.getByRole('button', { name: 'Add desk' }).click();
      await says(
        name === 'Mesa 1' && (await page.locator('[data-desk]').count()) === 2
          ? /already has a desk/
          : `desk “${name}” added.`,
      );
    }
    await page.getByLabel('Mesa 2 in service').uncheck();
    await says('Mesa 2 out of service.');
    await h.shot(page, 'exceptions-and-desks');

    // The service catalogue: one letter per active service.
    const addService = async (
      name: string,
      code: string,
      letter: string,
      minutes: string,
      buffer: string,
      skills: string,
    ) => {
      await page.getByLabel('Service name').fill(name);
      await page.getByLabel('Code', { exact: true }).fill(code);
      await page.getByLabel('Ticket letter', { exact: true }).fill(letter);
      await page.getByLabel('Duration (minutes)').fill(minutes);
      await page.getByLabel('Buffer (minutes)').fill(buffer);
      await page.getByLabel('Skills needed').fill(skills);
      await page.getByRole('button', { name: 'Add service' }).click();
    };
    await addService('Device repair', 'device-repair', 'R', '30', '10', 'repairs');
    await says('Service “Device repair” added with tickets R-001….');
    await addService('Screen repair', 'screen-repair', 'R', '20', '5', 'repairs');
    await says(/is already the letter of "Device repair"/);
    await addService('General question', 'general-question', 'G', '10', '0', '');
    await says('Service “General question” added with tickets G-001….');
    await page.getByLabel('Buffer of Device repair').fill('15');
    await page.getByRole('button', { name: 'Save Device repair' }).click();
    await says('Service “Device repair” saved.');

    // This shop offers both.
    await page.getByLabel(/Device repair \(R, 30 min\)/).check();
    await page.getByLabel(/General question \(G, 10 min\)/).check();
    await page.getByRole('button', { name: 'Save services' }).click();
    await says('Madrid Sol: services saved.');
    await page.waitForFunction(
      (id) => document.querySelector(`tr[data-shop="${id}"]`)?.textContent?.includes('2 services'),
      shop.id,
    );

    // Shifts: every Monday at Mesa 1; a clash is refused; one dated shift.
    const addShift = async (
      when: { weekday?: string; date?: string },
      starts: string,
      ends: string,
    ) => {
      await page.getByLabel('Advisor', { exact: true }).selectOption({ label: 'Pilar Ruiz' });
      if (when.weekday) {
        await page.getByLabel('Every week').check();
        await page.getByLabel('Weekday').selectOption({ label: when.weekday });
      } else {
        await page.getByLabel('Once').check();
        await page.getByLabel('Shift date').fill(when.date!);
      }
      await page.getByLabel('Starts').fill(starts);
      await page.getByLabel('Ends').fill(ends);
      await page.getByLabel('At desk').selectOption({ label: 'Mesa 1' });
      await page.getByRole('button', { name: 'Add shift' }).click();
    };
    await addShift({ weekday: 'Monday' }, '09:30', '14:00');
    await says('Madrid Sol: Pilar Ruiz works Monday 09:30–14:00.');
    await addShift({ weekday: 'Monday' }, '13:00', '16:00');
    await says(/Pilar Ruiz already works Monday 09:30–14:00 at Madrid Sol/);
    const once = inDays(10);
    await addShift({ date: once }, '10:00', '13:00');
    await says(`Madrid Sol: Pilar Ruiz works ${once} 10:00–13:00.`);
    const rota = page.locator('table.shifts tbody tr');
    await page.waitForFunction(
      () => document.querySelectorAll('table.shifts tbody tr').length === 2,
    );
    assert.match(await rota.nth(0).innerText(), /Pilar Ruiz\s+Monday 09:30–14:00\s+Mesa 1/);
    await h.shot(page, 'services-and-shifts');
    // Plans change: Monday's shift ends later; the one-off shift and the holiday are taken back.
    await page.getByLabel("End of Pilar Ruiz's shift Monday 09:30–14:00").fill('15:00');
    await page
      .getByRole('button', { name: "Move Pilar Ruiz's shift Monday 09:30–14:00", exact: true })
      .click();
    await says("Madrid Sol: Pilar Ruiz's shift moved to Monday 09:30–15:00.");
    await page
      .getByRole('button', { name: `Remove Pilar Ruiz's shift ${once} 10:00–13:00` })
      .click();
    await says(`Madrid Sol: Pilar Ruiz's shift ${once} 10:00–13:00 removed.`);
    await page.waitForFunction(
      () => document.querySelectorAll('table.shifts tbody tr').length === 1,
    );
    await page.getByRole('button', { name: `Remove the exception of ${holiday}` }).click();
    await says(`Madrid Sol: exception on ${holiday} removed.`);
    await page.waitForFunction(
      () => document.querySelectorAll('table.exceptions tbody tr').length === 1,
    );

    // What the browser did is what the database holds.
    const db = h.ctx.store.db;
    const count = async (
      table:
        'shop_hours' | 'shop_exceptions' | 'shop_desks' | 'shop_shifts' | 'shop_offered_services',
    ) =>
      (await db.selectFrom(table).select('shop_id').where('shop_id', '=', shop.id).execute())
        .length;
    assert.equal(await count('shop_hours'), 11);
    assert.equal(await count('shop_exceptions'), 1);
    assert.equal(await count('shop_desks'), 2);
    assert.equal(await count('shop_shifts'), 1);
    assert.equal(await count('shop_offered_services'), 2);
    const shifts = await db
      .selectFrom('shop_shifts')
      .selectAll()
      .where('shop_id', '=', shop.id)
      .execute();
    assert.ok(shifts.every((s) => Number(s.advisor_id) === pilar));
    assert.deepEqual(
      shifts.map((s) => [s.weekday, s.starts, s.ends]),
      [[1, '09:30', '15:00']],
    );
    const inactive = await db
      .selectFrom('shop_desks')
      .select('name')
      .where('active', '=', 0)
      .execute();
    assert.deepEqual(
      inactive.map((d) => d.name),
      ['Mesa 2'],
    );
  });

  test("a supervisor sees the shops' waits, service times, served and no-shows on the wall", async () => {
    const db = h.ctx.store.db;
    const shop = await db
      .selectFrom('shops')
      .select('id')
      .where('name', '=', 'Madrid Sol')
      .executeTakeFirstOrThrow();
    const services = await db.selectFrom('shop_services').select(['id', 'ticket_prefix']).execute();
    const serviceOf = (letter: string) =>
      Number(services.find((s) => s.ticket_prefix === letter)!.id);
    const now = Date.now();
    const minute = 60_000;
    const day = DateTime.fromMillis(now, { zone }).toISODate()!;
    // Early enough to be today in Madrid whatever the time of the run.
    const startOfDay = DateTime.fromMillis(now, { zone }).startOf('day').toMillis();
    const base = Math.max(startOfDay, now - 60 * minute);
    const rows = [
      { letter: 'R', status: 'served', since: base, called: 8, serving: 9, finished: 29 },
      { letter: 'R', status: 'no-show', since: base + minute, called: 4 },
      {
        letter: 'G',
        status: 'served',
        since: base + 2 * minute,
        called: 2,
        serving: 2,
        finished: 7,
      },
      { letter: 'G', status: 'waiting', since: Math.max(startOfDay, now - 3 * minute) },
    ] as const;
    await h.ctx.writer.run(async (unit) => {
      for (const [n, r] of rows.entries())
        await unit.db
          .insertInto('shop_tickets')
          .values({
            shop_id: shop.id,
            service_id: serviceOf(r.letter),
            day,
            number: n + 1,
            code: `${r.letter}-${String(n + 1).padStart(3, '0')}`,
            status: r.status,
            waiting_since: r.since,
            first_called_at: 'called' in r ? r.since + r.called * minute : null,
            last_called_at: 'called' in r ? r.since + r.called * minute : null,
            serving_at: 'serving' in r ? r.since + r.serving * minute : null,
            finished_at: 'finished' in r ? r.since + r.finished * minute : null,
            created_at: r.since,
            updated_at: r.since,
          })
          .execute();
    });
    const { page: wall } = await h.openPage({ viewport: { width: 1280, height: 1400 } });
    await h.signIn(wall, 'supervisor');
    await wall.goto(`${h.baseUrl}/desk/wall`);
    await wall.getByRole('heading', { name: 'Shops today' }).waitFor();
    const row = wall.locator(`table.shop-figures tr[data-shop="${shop.id}"]`);
    await row.waitFor();
    const cells = await row.locator('td').allInnerTexts();
    assert.match(cells[0]!, /^1 \(longest 3 min\)$/);
    assert.equal(cells[1], '4 min', 'average of 8, 4 and 2 minutes, rounded down');
    assert.equal(cells[2], '8 min');
    assert.equal(cells[3], '12 min', 'average of 20 and 5 minutes');
    assert.equal(cells[4], '2');
    assert.equal(cells[5], '1');
    await row.getByRole('button', { name: 'Madrid Sol' }).click();
    const drill = wall.getByTestId(`shop-drill-${shop.id}`);
    await drill.waitFor();
    assert.match(
      await drill.locator('tr', { hasText: 'R · Device repair' }).innerText(),
      /\b1\b.*\b1\b/s,
    );
    assert.ok((await drill.locator('tr[data-hour]').count()) >= 1);
    await h.shot(wall, 'wall-shop-figures');
  });
});
