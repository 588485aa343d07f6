import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { password, startDeskHarness, type DeskHarness } from './test-harness.ts';
import { createAdvisor, hashPassword } from '../src/advisors/advisors.ts';
import { systemActor } from '../src/platform/events/event.ts';

/**
 * Repairs in Chromium: a shop advisor takes a device in at the desk with a photo, proposes an
 * estimate and confirms the intake; the customer accepts the estimate on their status page (signed
 * link, no login); the desk moves the repair through each step and the status page shows them all,
 * in the shop's time with its zone named. A forged link gets a clear page.
 */

const root = path.resolve(import.meta.dirname, '..');

/** Builds the shop pages when this checkout has not yet (a fresh worktree). */
function ensureShopPagesBuilt(): void {
  if (fs.existsSync(path.join(root, 'web/dist/shop/repair.html'))) return;
  execFileSync(
    path.join(root, 'node_modules/.bin/vite'),
    ['build', '--config', 'web/shop/vite.config.ts', '--logLevel', 'warn'],
    { cwd: root, stdio: 'inherit' },
  );
}

/** A small real PNG (a cracked-screen-ish gradient), so the photo shows in the screenshots. */
function photoPng(width = 160, height = 120): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const crack = Math.abs(y - (x * 0.6 + 20)) < 1.5 || Math.abs(y - (110 - x * 0.4)) < 1.2;
      row[1 + x * 3] = crack ? 250 : 30 + x;
      row[2 + x * 3] = crack ? 250 : 40 + y;
      row[3 + x * 3] = crack ? 250 : 90;
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('repairs in Chromium', { timeout: 120_000 }, () => {
  let h: DeskHarness;
  let desk: Page;
  let customer: Page;
  let statusUrl = '';
  const shopAdvisorEmail = 'chloe@shop.test';

  before(async () => {
    ensureShopPagesBuilt();
    h = await startDeskHarness('repairs');
    const passwordHash = await hashPassword(password);
    await h.ctx.writer.run(async (unit) => {
      const teamId = (
        await unit.db
          .insertInto('teams')
          .values({ name: 'Lyon shop', kind: 'shop', created_at: unit.now })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      const shopId = (
        await unit.db
          .insertInto('shops')
          .values({
            name: 'Lyon Part-Dieu',
            city: 'Lyon',
            time_zone: 'Europe/Paris',
            address: '17 rue du Docteur Bouchut',
            team_id: teamId,
            created_at: unit.now,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      await createAdvisor(
        unit,
        {
          name: 'Chloé Girard',
          email: shopAdvisorEmail,
          role: 'shop_advisor',
          teamId,
          shopId,
          passwordHash,
        },
        systemActor,
      );
    });
    ({ page: desk } = await h.openPage({ viewport: { width: 1280, height: 900 } }));
    await desk.goto(`${h.baseUrl}/desk/`);
    await desk.getByLabel('Email', { exact: true }).fill(shopAdvisorEmail);
    await desk.getByLabel('Password').fill(password);
    await desk.getByRole('button', { name: 'Sign in' }).click();
    await desk.getByRole('button', { name: 'Sign out' }).waitFor();
    ({ page: customer } = await h.openPage({ viewport: { width: 420, height: 900 } }));
  });
  after(() => h?.close());

  test('intake at the desk with a photo, saved as a draft', async () => {
    await desk.getByRole('link', { name: 'Repairs' }).click();
    await desk.getByRole('heading', { name: 'Repairs' }).waitFor();
    await desk.getByText('No repairs at this shop yet.').waitFor();
    await desk.getByRole('link', { name: 'New repair' }).click();
    await desk.getByRole('heading', { name: 'New repair' }).waitFor();
    await desk.getByLabel('Name', { exact: true }).fill('Inès Moreau');
    await desk.getByLabel('Phone', { exact: true }).fill('06 12 00 33 44');
    await desk.getByLabel('Tell them by').selectOption('sms');
    await desk.getByLabel('Device', { exact: true }).fill('Pixel 7');
    await desk.getByLabel('Serial number').fill('PX7-0042');
    await desk.getByLabel('Fault').fill('Cracked screen; touch dead in the lower third');
    await desk.getByLabel('Condition').fill('Scratches on the back');
    await desk.getByLabel('Accessories left with it').fill('charger, case');
    await desk.getByLabel('Photos').setInputFiles({
      name: 'front.png',
      mimeType: 'image/png',
      buffer: photoPng(),
    });
    const due = new Date(Date.now() + 2 * 86_400_000);
    const local = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Paris',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(due);
    await desk.getByLabel('Ready by (shop time)').fill(`${local}T17:30`);
    await h.shot(desk, 'intake-form');
    await desk.getByRole('button', { name: 'Save draft' }).click();
    await desk.getByRole('heading', { name: /Pixel 7/ }).waitFor();
    assert.equal(await desk.getByTestId('repair-status').textContent(), 'Draft');
    const image = desk.getByRole('img', { name: 'Photo front.png' });
    await image.waitFor();
    await desk.waitForFunction(
      () =>
        (document.querySelector('.photos img') as HTMLImageElement | null)?.naturalWidth === 160,
    );
    // The due time typed on the shop's clock is shown on it, with the zone named.
    assert.match(
      (await desk.locator('.repair-status-line').textContent()) ?? '',
      /ready by .* 17:30 \(Europe\/Paris, GMT\+1\)/,
    );
    await h.shot(desk, 'draft-with-photo');
    // A draft told nobody.
    const sent = await h.ctx.store.db
      .selectFrom('interactions')
      .select('id')
      .where('direction', '=', 'outbound')
      .execute();
    assert.equal(sent.length, 0);
  });

  test('an estimate proposed and the intake confirmed: the customer gets the status link', async () => {
    await desk.getByLabel('Amount').fill('89.00');
    await desk.getByLabel('Note', { exact: true }).fill('New screen and digitiser');
    await desk.getByRole('button', { name: 'Propose estimate' }).click();
    await desk.getByText('Estimate saved: it goes to the customer with the intake.').waitFor();
    await desk.getByRole('button', { name: 'Confirm intake' }).click();
    await desk.getByText('Now received.').waitFor();
    assert.equal(await desk.getByTestId('repair-status').textContent(), 'Received');
    await desk.getByText('customer told by SMS').waitFor();
    statusUrl = (await desk.getByTestId('status-link').getAttribute('href')) ?? '';
    assert.match(statusUrl, /\/repairs\/r\d+\.[A-Za-z0-9_-]{32}$/);
    const sms = await h.ctx.store.db
      .selectFrom('interactions')
      .select(['channel', 'text', 'to_address'])
      .where('direction', '=', 'outbound')
      .executeTakeFirstOrThrow();
    assert.equal(sms.channel, 'sms');
    assert.equal(sms.to_address, '+33612003344');
    assert.ok(sms.text.includes(statusUrl));
    // The customer will come a day later: the due time moves on the shop's clock.
    const later = new Date(Date.now() + 3 * 86_400_000);
    const day = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris' }).format(later);
    await desk.getByLabel('Ready by (shop time)').fill(`${day}T18:00`);
    await desk.getByRole('button', { name: 'Save', exact: true }).click();
    await desk.getByText('Saved.').waitFor();
    assert.match(
      (await desk.locator('.repair-status-line').textContent()) ?? '',
      /ready by .* 18:00 \(Europe\/Paris, GMT\+1\)/,
    );
    await desk.getByRole('button', { name: 'Start diagnosing' }).click();
    await desk.getByText('Now diagnosing.').waitFor();
    await h.shot(desk, 'received-and-diagnosing');
  });

  test('the customer accepts the estimate from the status page, without signing in', async () => {
    await customer.goto(statusUrl);
    await customer.getByRole('heading', { name: 'Your Pixel 7' }).waitFor();
    assert.equal(await customer.getByTestId('current-status').textContent(), 'Diagnosing');
    await customer.getByText('€89.00').waitFor();
    await h.shot(customer, 'status-page-estimate-proposed');
    await customer.getByRole('button', { name: 'Accept' }).click();
    await customer.getByText('Thank you: the repair goes ahead.').waitFor();
    assert.match(
      (await customer.getByTestId('estimate-decision').textContent()) ?? '',
      /You accepted this estimate on .*\(Europe\/Paris, GMT\+1\)/,
    );
    assert.equal(await customer.getByRole('button', { name: 'Accept' }).count(), 0);
    await h.shot(customer, 'status-page-estimate-accepted');
    // The desk hears of it live.
    await desk.getByText('accepted by the customer').waitFor();
  });

  test('the desk moves the repair through each step, and the status page shows every one', async () => {
    for (const [button, done] of [
      ['Waiting for parts', 'Now waiting for parts.'],
      ['Start diagnosing', 'Now diagnosing.'],
      ['Mark repaired', 'Now repaired.'],
      ['Ready for pickup', 'Now ready for pickup.'],
    ] as const) {
      await desk.getByRole('button', { name: button, exact: true }).click();
      await desk.getByText(done).waitFor();
    }
    await h.shot(desk, 'ready-for-pickup');
    await customer.reload();
    await customer.getByTestId('current-status').waitFor();
    assert.equal(await customer.getByTestId('current-status').textContent(), 'Ready for pickup');
    await h.shot(customer, 'status-page-ready');
    await desk.getByRole('button', { name: 'Collected by the customer' }).click();
    await desk.getByText('Now collected.').waitFor();
    await desk.getByText('The device was collected: this repair is finished.').waitFor();
    await h.shot(desk, 'collected');
    await customer.reload();
    await customer.getByTestId('current-status').waitFor();
    assert.equal(await customer.getByTestId('current-status').textContent(), 'Collected');
    const steps = await customer.locator('.steps li').allTextContents();
    const labels = [
      'Received at the shop',
      'Diagnosing',
      'Waiting for parts',
      'Repaired',
      'Ready for pickup',
      'Collected',
    ];
    assert.equal(steps.length, labels.length);
    labels.forEach((label, i) => {
      assert.ok(steps[i]!.startsWith(label), `${steps[i]} is not ${label}`);
      assert.match(steps[i]!, /\d\d:\d\d \(Europe\/Paris, GMT\+1\)$/);
    });
    await customer.getByText('Times are the shop’s local time (Europe/Paris).').waitFor();
    await h.shot(customer, 'status-page-every-step');

    // The shop's list shows it under its status.
    await desk.getByRole('link', { name: '← All repairs' }).click();
    await desk.getByRole('heading', { name: /Collected/ }).waitFor();
    await h.shot(desk, 'repairs-list');
  });

  test('a forged or mistyped link gets a clear page', async () => {
    const forged = statusUrl.replace(/.{4}$/, 'AAAA');
    const response = await customer.goto(forged);
    assert.equal(response?.status(), 404);
    await customer.getByRole('heading', { name: 'This link does not open a repair' }).waitFor();
    await h.shot(customer, 'status-page-forged-link');
  });
});
