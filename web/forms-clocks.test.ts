import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { createShop } from '../src/shops/shops.ts';
import { systemActor } from '../src/platform/events/event.ts';

describe('admin forms in plain words, thresholds in minutes and hours, team calendars, in Chromium', () => {
  let h: DeskHarness;
  let page: Page;

  before(async () => {
    h = await startDeskHarness('forms-clocks');
    await h.ctx.writer.run((unit) =>
      createShop(
        unit,
        {
          name: 'Lyon Bellecour',
          city: 'Lyon',
          address: '1 place Bellecour',
          timeZone: 'Europe/Paris',
          hours: [{ weekday: 1, opens: '09:00', closes: '18:00' }],
        },
        systemActor,
      ),
    );
    ({ page } = await h.openPage({ viewport: { width: 1280, height: 1000 } }));
    await h.signIn(page, 'admin');
  });
  after(() => h.close());

  test("a bad closing time on Monday is named as Monday's, next to the field", async () => {
    await page.goto(`${h.baseUrl}/desk/admin/shops`);
    await page.getByRole('button', { name: 'Lyon Bellecour' }).click();
    const closes = page.getByLabel('Monday closes', { exact: true });
    await closes.fill('');
    await page.getByRole('button', { name: 'Save hours' }).click();
    const error = page.locator('.period .field-error');
    await error.filter({ hasText: "Monday's closing time must be a time such as 09:30" }).waitFor();
    assert.equal(await closes.getAttribute('aria-invalid'), 'true');
    assert.equal(
      await closes.getAttribute('aria-describedby'),
      await error.first().getAttribute('id'),
    );
    assert.ok(!(await page.getByText('hours.0.closes').isVisible()));
    // Closing before opening: the server's rule, in the same place and words.
    await closes.fill('08:00');
    await page.getByRole('button', { name: 'Save hours' }).click();
    await error.filter({ hasText: "Monday's closing time must be after the opening" }).waitFor();
    await h.shot(page, 'monday-closing-time-refused');
  });

  test('thresholds are entered in minutes and hours, stored as seconds and shown back', async () => {
    await page.goto(`${h.baseUrl}/desk/admin/service-levels`);
    // The built-in 4 h for email shows as hours.
    assert.equal(await page.getByLabel('Email: answer within', { exact: true }).inputValue(), '4');
    assert.equal(await page.getByLabel('Email: unit').inputValue(), 'hours');
    await page.getByLabel('Email: answer within', { exact: true }).fill('8');
    await page.getByRole('row', { name: /Email/ }).getByRole('button', { name: 'Save' }).click();
    await page.getByText('Email: promise saved. 90 % within 8 hours.').waitFor();
    await page.getByLabel('Chat: answer within', { exact: true }).fill('2');
    await page.getByLabel('Chat: unit').selectOption('minutes');
    await page.getByRole('row', { name: /Chat/ }).getByRole('button', { name: 'Save' }).click();
    await page.getByText('Chat: promise saved. 80 % within 2 minutes.').waitFor();
    // Nonsense is refused next to the field, before anything is sent.
    await page.getByLabel('SMS: answer within', { exact: true }).fill('0');
    await page.getByRole('row', { name: /SMS/ }).getByRole('button', { name: 'Save' }).click();
    await page
      .locator('tr[data-channel="sms"] .field-error')
      .filter({ hasText: 'Answer within must be between 1 second and 7 days' })
      .waitFor();
    const stored = await h.ctx.store.db
      .selectFrom('service_level_policies')
      .select(['channel', 'threshold_ms'])
      .orderBy('channel')
      .execute();
    assert.deepEqual(
      stored.map((r) => [r.channel, Number(r.threshold_ms)]),
      [
        ['chat', 120_000],
        ['email', 8 * 3_600_000],
      ],
    );
    await page.reload();
    assert.equal(await page.getByLabel('Email: answer within', { exact: true }).inputValue(), '8');
    assert.equal(await page.getByLabel('Chat: unit').inputValue(), 'minutes');
    await h.shot(page, 'service-levels-in-hours-and-minutes');
  });

  test('a team gets business hours and a holiday', async () => {
    await page.goto(`${h.baseUrl}/desk/admin/teams`);
    const calendar = page.getByRole('group', { name: 'Calendar of Care' });
    await calendar.getByText('Not set yet: counts 24 × 7.').waitFor();
    await calendar.getByLabel('Time zone of Care').selectOption('Europe/Paris');
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
      await calendar.getByLabel(`Open on ${day}`).check();
      await calendar.getByLabel(`${day} opens`, { exact: true }).fill('09:00');
      await calendar.getByLabel(`${day} closes`, { exact: true }).fill('17:00');
    }
    // A holiday without a name is refused next to its field.
    await calendar.getByLabel('Holiday date').fill('2026-12-25');
    await calendar.getByRole('button', { name: 'Add holiday' }).click();
    await calendar.locator('.field-error').filter({ hasText: 'Say what the day is' }).waitFor();
    await calendar.getByLabel('Holiday name').fill('Christmas Day');
    await calendar.getByRole('button', { name: 'Add holiday' }).click();
    await calendar.getByRole('row', { name: /2026-12-25 Christmas Day/ }).waitFor();
    await calendar.getByRole('button', { name: 'Save calendar' }).click();
    await calendar.getByText('Care: calendar saved.').waitFor();
    await calendar.getByText('Now: Mon 09:00–17:00, Tue 09:00–17:00').waitFor();
    const team = await h.ctx.store.db
      .selectFrom('teams')
      .select('id')
      .where('name', '=', 'Care')
      .executeTakeFirstOrThrow();
    const holidays = await h.ctx.store.db
      .selectFrom('team_holidays')
      .select(['date', 'name'])
      .where('team_id', '=', team.id)
      .execute();
    assert.deepEqual(holidays, [{ date: '2026-12-25', name: 'Christmas Day' }]);
    const zone = await h.ctx.store.db
      .selectFrom('team_calendars')
      .select('time_zone')
      .where('team_id', '=', team.id)
      .executeTakeFirstOrThrow();
    assert.equal(zone.time_zone, 'Europe/Paris');
    await h.shot(page, 'team-calendar-with-holiday');
  });
});
