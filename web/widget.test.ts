import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import type { ServerFrame } from '../src/api-types/chat.ts';
import { password, startDeskHarness, type DeskHarness } from './test-harness.ts';

/**
 * The website chat widget in Chromium, the way a company's site embeds it: a page of another origin
 * with the one tag in <head>, hostile global CSS and a strict Content-Security-Policy (no
 * 'unsafe-inline'), talking to a real Rapport server through a TCP proxy the test can cut (a network
 * blip). Advisors act through the desk's API.
 */

const root = path.resolve(import.meta.dirname, '..');
const identitySecret = 'the company server keeps this secret';
// A 1×1 PNG: the server checks a file's bytes against its declared type.
const tinyPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkaPhfDwAEhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const widgetJs = path.join(root, 'web/dist/widget/widget.js');

function ensureWidgetBuilt(): void {
  if (fs.existsSync(widgetJs)) return;
  execFileSync(
    path.join(root, 'node_modules/.bin/vite'),
    ['build', '--config', 'web/widget/vite.config.ts', '--logLevel', 'warn'],
    { cwd: root, stdio: 'inherit' },
  );
}

/** A TCP proxy in front of Rapport: `cut()` drops every connection and refuses new ones. */
async function startCuttableProxy(targetPort: number) {
  const open = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return client.destroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    open.add(client).add(upstream);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      down = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// Rules a careless or hostile site might have; the host page's own button survives them through a
// more specific rule of its own, so the test can click it under the widget's corner.
const hostileCss = `
* { all: unset !important; }
head { display: none !important; }
div { display: none !important; }
html { font-size: 64px !important; }
body { display: block !important; height: 100vh !important; transform: translate(-30px, -30px) !important; filter: saturate(1.5) !important; }
*, *::before, *::after { box-sizing: content-box !important; line-height: 3 !important; }
rapport-chat, rapport-chat * { display: none !important; opacity: 0 !important; transform: scale(0) !important; }
button { font-size: 40px !important; }
h1 { display: block !important; font-size: 48px !important; }
#under { display: block !important; position: fixed !important; right: 80px !important; bottom: 26px !important; padding: 4px 8px !important; font-size: 16px !important; background: #eee !important; border: 2px solid #c00 !important; }
#search { display: block !important; width: 200px !important; font-size: 16px !important; border: 1px solid #999 !important; }
`;

/** The company's page: the tag in <head>, hostile CSS, a strict CSP naming only Rapport's origin. */
async function startHostSite(rapport: string) {
  const ws = rapport.replace(/^http/, 'ws');
  const policy = [
    "default-src 'none'",
    `script-src ${rapport}`,
    `style-src 'self' ${rapport}`,
    `connect-src ${rapport} ${ws}`,
    `img-src 'self' ${rapport}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const server = http.createServer((request, response) => {
    if (request.url === '/hostile.css') {
      response.writeHead(200, { 'content-type': 'text/css' });
      return response.end(hostileCss);
    }
    const query = new URL(request.url ?? '/', 'http://page').searchParams;
    const attribute = (name: string, value: string | null) =>
      value === null ? '' : ` ${name}="${value.replace(/[^\w@.-]/g, '')}"`;
    const user =
      attribute('data-user-id', query.get('userId')) +
      attribute('data-user-hash', query.get('userHash')) +
      attribute('data-user-name', query.get('name'));
    // The tag as CHAT.md gives it (defer), or run at once in <head> (before <body> exists), or async.
    const loading = { sync: '', async: ' async' }[query.get('load') ?? ''] ?? ' defer';
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': policy,
    });
    response.end(`<!doctype html>
<html lang="en"><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme shoes</title>
<script src="${rapport}/widget.js" data-account="test-widget"${user}${loading}></script>
<link rel="stylesheet" href="/hostile.css">
</head><body>
<h1>Acme shoes</h1>
<div>Content a hostile rule hides.</div>
<input id="search" autofocus aria-label="Search the shop">
<button id="under" type="button">Host button</button>
</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** In every page, before any of its scripts: count CSP violations, host clicks and widget events. */
function watchPage(): void {
  const w = window as unknown as Record<string, unknown>;
  w.__violations = [];
  w.__hostClicks = 0;
  w.__messages = [];
  document.addEventListener('securitypolicyviolation', (event) =>
    (w.__violations as string[]).push(`${event.violatedDirective} ${event.blockedURI}`),
  );
  document.addEventListener('click', (event) => {
    if ((event.target as Element | null)?.id === 'under') (w.__hostClicks as number)++;
  });
  window.addEventListener('rapportchat:message', (event) =>
    (w.__messages as unknown[]).push((event as CustomEvent).detail),
  );
}

describe('the chat widget on a company’s page', () => {
  let h: DeskHarness;
  let proxy: Awaited<ReturnType<typeof startCuttableProxy>>;
  let site: Awaited<ReturnType<typeof startHostSite>>;
  let advisorCookie: string;
  const contexts: BrowserContext[] = [];
  const consoleProblems: string[] = [];
  const frames: ServerFrame[] = [];

  const login = async (email: string) => {
    const response = await fetch(`${h.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    return response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
  };
  /** The desk's API, as the advisor (or whoever's cookie). */
  const desk = async <T = unknown>(
    method: string,
    url: string,
    body?: unknown,
    cookie = advisorCookie,
  ): Promise<T> => {
    const response = await fetch(`${h.baseUrl}${url}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${url} answered ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const interactionsOf = async (conversationId: number) =>
    (
      await desk<{ items: { id: number; text: string | null; direction: string }[] }>(
        'GET',
        `/api/conversations/${conversationId}/interactions`,
      )
    ).items;

  const violations: string[] = [];
  let pagesChecked = 0;
  /** Closes the browser contexts a later test does not need, noting their pages' CSP violations. */
  const retire = async (...keep: Page[]) => {
    for (const context of contexts.splice(0)) {
      if (keep.some((page) => page.context() === context)) {
        contexts.push(context);
        continue;
      }
      for (const page of context.pages()) {
        violations.push(
          ...(await page.evaluate(
            () => (window as unknown as { __violations: string[] }).__violations,
          )),
        );
        pagesChecked++;
      }
      await context.close();
    }
  };

  const openSite = async (
    options: { viewport?: { width: number; height: number }; query?: string } = {},
  ) => {
    const context = await h.browser.newContext({
      viewport: options.viewport ?? { width: 1100, height: 720 },
      ...(options.viewport && options.viewport.width < 500
        ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 }
        : {}),
    });
    contexts.push(context);
    await context.addInitScript(watchPage);
    return { context, page: await newTab(context, options.query) };
  };
  const newTab = async (context: BrowserContext, query = '') => {
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    // Network errors are expected while the test cuts the network; a refusal by the CSP is not.
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text()))
        consoleProblems.push(message.text());
    });
    page.on('pageerror', (error) => consoleProblems.push(error.message));
    page.on('websocket', (socket) =>
      socket.on('framereceived', (frame) => {
        if (typeof frame.payload === 'string')
          frames.push(JSON.parse(frame.payload) as ServerFrame);
      }),
    );
    await page.goto(site.url + query);
    return page;
  };
  const widget = (page: Page) => page.locator('rapport-chat');
  const launcher = (page: Page) => widget(page).locator('.rc-launcher');
  /** What has focus inside the widget's shadow root ('' when the page has focus). */
  const focusInWidget = (page: Page) =>
    page.evaluate(() => {
      const host = document.querySelector('rapport-chat');
      if (document.activeElement !== host) return '';
      const inner = host?.shadowRoot?.activeElement;
      return inner ? `${inner.tagName.toLowerCase()}.${inner.className}` : 'host';
    });
  const ackFor = async (text: string, page: Page) => {
    // The widget showed it; the server acknowledged it over the socket.
    await widget(page).locator('.rc-me .rc-bubble', { hasText: text }).waitFor();
    await widget(page).locator('.rc-pending').waitFor({ state: 'detached' });
    const ack = frames.findLast((f) => f.type === 'ack');
    assert.ok(ack && ack.type === 'ack');
    return ack;
  };

  before(async () => {
    h = await startDeskHarness('widget');
    ensureWidgetBuilt();
    proxy = await startCuttableProxy(Number(new URL(h.baseUrl).port));
    site = await startHostSite(`http://127.0.0.1:${proxy.port}`);
    advisorCookie = await login(h.people.advisor.email);
    const admin = await login(h.people.admin.email);
    const accounts = await desk<{ items: { id: number; address: string }[] }>(
      'GET',
      '/api/channel-accounts?channel=chat',
      undefined,
      admin,
    );
    const chat = accounts.items.find((a) => a.address === 'test-widget')!;
    await desk(
      'PATCH',
      `/api/channel-accounts/${chat.id}`,
      {
        settings: {
          colour: '#0b6e4f',
          greeting: 'Hi! Ask us anything about your order.',
          longWaitMs: 1,
          attachmentTypes: 'image/png,application/pdf',
          maxAttachmentBytes: 100_000,
        },
        secrets: { identitySecret },
      },
      admin,
    );
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await site?.close();
    await proxy?.close();
    await h?.close();
  });

  test('the launcher sits in its corner despite the page’s CSS, takes no focus and tracks no one', async () => {
    const { page } = await openSite();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    let sockets = 0;
    page.on('websocket', () => sockets++);
    await launcher(page).waitFor({ state: 'visible' });
    const box = (await launcher(page).boundingBox())!;
    assert.deepEqual(
      [Math.round(box.width), Math.round(box.height)],
      [60, 60],
      'the page’s CSS did not resize it',
    );
    assert.ok(Math.abs(box.x + box.width - (1100 - 20)) <= 1, `right edge at ${box.x + box.width}`);
    assert.ok(
      Math.abs(box.y + box.height - (720 - 20)) <= 1,
      `bottom edge at ${box.y + box.height}`,
    );
    assert.equal(
      await launcher(page).getAttribute('aria-label'),
      'Open chat',
      'the launcher has a name',
    );
    // The page's own autofocus field keeps the focus.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'search');

    // The page's button lies inside the widget's corner box, and still takes the click.
    const frame = (await widget(page).locator('.rc-frame').boundingBox())!;
    const under = (await page.locator('#under').boundingBox())!;
    const cx = under.x + under.width / 2;
    const cy = under.y + under.height / 2;
    assert.ok(
      cx > frame.x && cx < frame.x + frame.width && cy > frame.y && cy < frame.y + frame.height,
      `the host button (${cx}, ${cy}) is under the widget's box ${JSON.stringify(frame)}`,
    );
    await page.mouse.click(cx, cy);
    assert.equal(
      await page.evaluate(() => (window as unknown as { __hostClicks: number }).__hostClicks),
      1,
    );

    await launcher(page).click();
    await widget(page).locator('.rc-panel').waitFor();
    // No visitor session and no socket before the visitor opened the widget.
    const firstVisitor = requests.findIndex((u) => u.endsWith('/visitors'));
    assert.ok(firstVisitor >= 0, 'opening starts the visitor session');
    assert.ok(
      requests.slice(0, firstVisitor).every((u) => !u.includes('/visitors')),
      'nothing before',
    );
    await page.locator('rapport-chat .rc-launcher').click();
    await widget(page).locator('.rc-panel').waitFor({ state: 'detached' });
    assert.ok(sockets <= 1);
    await page.reload();
    await launcher(page).waitFor({ state: 'visible' });
    await h.shot(page, 'launcher');
  });

  test('out of hours the widget offers a message form that says when someone will answer', async () => {
    await retire();
    const { page } = await openSite();
    await launcher(page).click();
    const form = widget(page).locator('form.rc-offline');
    await form.waitFor();
    assert.match(await form.innerText(), /as soon as we are back|answer from/);
    await form.getByLabel('Name').fill('Ana Souza');
    await form.getByLabel('Email').fill('ana@example.com');
    await form.getByLabel('Message').fill('Do you ship to Lisbon?');
    await h.shot(page, 'offline-form');
    await form.getByRole('button', { name: 'Send' }).click();
    await widget(page)
      .locator('.rc-done', { hasText: /Thank you/ })
      .waitFor();
  });

  test('a visitor chats with a named advisor: waiting, typing, replies, read marks, Escape', async () => {
    await retire();
    await desk('PUT', '/api/routing/presence', { presence: 'available' });
    const { page } = await openSite();
    await launcher(page).waitFor({ state: 'visible' });
    assert.equal(await focusInWidget(page), '', 'no focus taken on load');
    await launcher(page).click();
    const input = widget(page).getByRole('textbox', { name: 'Write a message…' });
    await input.waitFor();
    await page.waitForFunction(
      () =>
        document.querySelector('rapport-chat')?.shadowRoot?.activeElement?.tagName === 'TEXTAREA',
      null,
      { timeout: 2_000 },
    ); // opening moves the focus into the composer
    assert.ok(
      Number.parseFloat(await input.evaluate((e) => getComputedStyle(e).fontSize)) >= 16,
      'inputs are at least 16 px',
    );
    await input.fill('Where is my order 1234?');
    await input.press('Enter');
    const ack = await ackFor('Where is my order 1234?', page);
    const conversationId = ack.type === 'ack' ? ack.conversationId : 0;
    const stored = await interactionsOf(conversationId);
    assert.ok(
      stored.some((i) => i.text === 'Where is my order 1234?'),
      'the desk sees it',
    );

    const waiting = widget(page).locator('.rc-waiting');
    await waiting.waitFor();
    assert.match(await waiting.innerText(), /next in line|number \d+ in line/);
    assert.match(await waiting.innerText(), /Expected wait|cannot say/);
    await h.shot(page, 'waiting-with-estimate');

    // The visitor types: the desk sees it.
    await input.fill('Also, can I change');
    for (let i = 0; ; i++) {
      const state = await desk<{ typing: boolean }>(
        'GET',
        `/api/conversations/${conversationId}/chat`,
      );
      if (state.typing) break;
      assert.ok(i < 50, 'the desk saw the visitor typing');
      await page.waitForTimeout(100);
    }
    await input.fill('');

    await desk('POST', `/api/conversations/${conversationId}/typing`, { typing: true });
    await widget(page).getByText('is typing…').waitFor();
    const reply = await desk<{ id: number }>(
      'POST',
      `/api/conversations/${conversationId}/interactions`,
      { kind: 'chat_message', text: 'Hello! I am Léa, let me look at order 1234.' },
    );
    await widget(page)
      .locator('.rc-them .rc-bubble', { hasText: 'let me look at order 1234' })
      .waitFor();
    await widget(page).locator('.rc-title h2', { hasText: h.people.advisor.name }).waitFor();
    await widget(page).getByText('is typing…').waitFor({ state: 'detached' });
    // The visitor has the chat open and in view: the desk learns it was read.
    for (let i = 0; ; i++) {
      const state = await desk<{ visitorReadUpTo: number }>(
        'GET',
        `/api/conversations/${conversationId}/chat`,
      );
      if (state.visitorReadUpTo >= reply.id) break;
      assert.ok(i < 50, 'the read mark reached the desk');
      await page.waitForTimeout(100);
    }
    await desk('POST', `/api/conversations/${conversationId}/read`, {
      upTo: ack.type === 'ack' ? ack.id : 0,
    });
    await widget(page).locator('.rc-meta', { hasText: 'Seen' }).waitFor();
    await h.shot(page, 'open-chat');

    // "Email me this conversation".
    await widget(page).getByRole('button', { name: 'Email me this conversation' }).click();
    const transcript = widget(page).getByRole('form', { name: 'Email me this conversation' });
    await transcript.getByRole('textbox', { name: 'Email' }).fill('ana@example.com');
    await transcript.getByRole('button', { name: 'Send' }).click();
    await widget(page).getByText('The conversation is on its way to your inbox.').waitFor();

    await page.keyboard.press('Escape');
    await widget(page).locator('.rc-panel').waitFor({ state: 'detached' });
    assert.match(
      await focusInWidget(page),
      /^button\.rc-launcher/,
      'Escape returns focus to the launcher',
    );
  });

  test('a network blip loses and doubles nothing: the unsent message goes, the missed replies come', async () => {
    await retire();
    const { context, page } = await openSite();
    await launcher(page).click();
    const input = widget(page).getByRole('textbox', { name: 'Write a message…' });
    await input.fill('First, before the blip');
    await input.press('Enter');
    const ack = await ackFor('First, before the blip', page);
    const conversationId = ack.type === 'ack' ? ack.conversationId : 0;

    await context.setOffline(true);
    proxy.cut();
    await widget(page).getByText('Reconnecting').waitFor();
    await input.fill('Written while offline');
    await input.press('Enter');
    await widget(page).locator('.rc-pending', { hasText: 'Written while offline' }).waitFor();
    for (const text of ['Missed one', 'Missed two', 'Missed three'])
      await desk('POST', `/api/conversations/${conversationId}/interactions`, {
        kind: 'chat_message',
        text,
      });
    proxy.restore();
    await context.setOffline(false);

    for (const text of ['Missed one', 'Missed two', 'Missed three'])
      await widget(page).locator('.rc-them .rc-bubble', { hasText: text }).waitFor();
    await widget(page).locator('.rc-pending').waitFor({ state: 'detached' });
    for (const text of ['Missed one', 'Missed two', 'Missed three', 'Written while offline'])
      assert.equal(await widget(page).locator('.rc-bubble', { hasText: text }).count(), 1, text);
    const stored = await interactionsOf(conversationId);
    assert.equal(stored.filter((i) => i.text === 'Written while offline').length, 1);
  });

  let filesPage: Page;
  test('files: type and size checked before upload, then sent with the message and seen by the desk', async () => {
    await retire();
    const { page } = await openSite();
    filesPage = page;
    await launcher(page).click();
    const picker = widget(page).locator('input[type=file]');
    await picker.setInputFiles({
      name: 'setup.exe',
      mimeType: 'application/x-msdownload',
      buffer: Buffer.from('MZ'),
    });
    await widget(page).getByText('This kind of file cannot be sent. Allowed: PNG, PDF.').waitFor();
    await picker.setInputFiles({
      name: 'huge.png',
      mimeType: 'image/png',
      buffer: Buffer.concat([tinyPng, Buffer.alloc(100_001)]),
    });
    await widget(page).getByText('This file is too large: at most 98 KB.').waitFor();
    await picker.setInputFiles({ name: 'récépissé.png', mimeType: 'image/png', buffer: tinyPng });
    await widget(page).getByRole('button', { name: 'Remove récépissé.png' }).waitFor();
    const input = widget(page).getByRole('textbox', { name: 'Write a message…' });
    await input.fill('Here is my receipt');
    await input.press('Enter');
    const ack = await ackFor('Here is my receipt', page);
    const conversationId = ack.type === 'ack' ? ack.conversationId : 0;
    const stored = (
      await desk<{ items: { text: string | null; attachments: { name: string }[] }[] }>(
        'GET',
        `/api/conversations/${conversationId}/interactions`,
      )
    ).items.find((i) => i.text === 'Here is my receipt');
    assert.deepEqual(
      stored?.attachments.map((a) => a.name),
      ['récépissé.png'],
    );
  });

  test('two tabs of one visitor: one conversation, one sound, the same unread count', async () => {
    await retire(filesPage);
    const { context, page: first } = await openSite();
    await launcher(first).click();
    const input = widget(first).getByRole('textbox', { name: 'Write a message…' });
    await input.fill('Hello from two tabs');
    await input.press('Enter');
    const ack = await ackFor('Hello from two tabs', first);
    const conversationId = ack.type === 'ack' ? ack.conversationId : 0;
    await first.keyboard.press('Escape');
    // The second tab resumes the stored session (same storage): no second visitor, one conversation.
    const second = await newTab(context);
    await widget(second).locator('.rc-launcher').waitFor({ state: 'visible' });

    const reply = await desk<{ id: number }>(
      'POST',
      `/api/conversations/${conversationId}/interactions`,
      { kind: 'chat_message', text: 'Both tabs should agree on this one.' },
    );
    const heard = async (page: Page) =>
      page.waitForFunction(
        (id) =>
          (window as unknown as { __messages: { id: number; sound: boolean }[] }).__messages.find(
            (m) => m.id === id,
          ) ?? null,
        reply.id,
      );
    const notes = [await (await heard(first)).jsonValue(), await (await heard(second)).jsonValue()];
    assert.equal(notes.filter((n) => n && (n as { sound: boolean }).sound).length, 1, 'one sound');
    for (const page of [first, second])
      await widget(page).locator('.rc-badge', { hasText: '1' }).waitFor();

    await launcher(second).click();
    await widget(second).locator('.rc-bubble', { hasText: 'Both tabs should agree' }).waitFor();
    await widget(first).locator('.rc-badge').waitFor({ state: 'detached' });
    await widget(second).locator('.rc-badge').waitFor({ state: 'detached' });
  });

  test('a signed-in customer is recognised by the HMAC of their id (tag run at once in <head>); a forged one is refused (async tag)', async () => {
    await retire(filesPage);
    const userHash = crypto.createHmac('sha256', identitySecret).update('u-42').digest('hex');
    const { page } = await openSite({
      query: `?load=sync&userId=u-42&userHash=${userHash}&name=Ana`,
    });
    await launcher(page).waitFor({ state: 'visible' });
    const started = page.waitForResponse((r) => r.url().endsWith('/visitors'));
    await launcher(page).click();
    const response = await started;
    assert.equal(response.request().headers()['x-rapport-user-id'], 'u-42');
    assert.equal(response.request().headers()['x-rapport-user-hash'], userHash);
    assert.equal(((await response.json()) as { verified: boolean }).verified, true);
    const input = widget(page).getByRole('textbox', { name: 'Write a message…' });
    await input.fill('Signed in and asking');
    await input.press('Enter');
    await ackFor('Signed in and asking', page);

    const forged = '0'.repeat(64);
    const { page: other } = await openSite({ query: `?load=async&userId=u-42&userHash=${forged}` });
    await launcher(other).click();
    await widget(other).getByText('Please sign in on this site to chat.').waitFor();
  });

  test('on a 390 px phone the open chat fills the screen and keeps the composer above the keyboard', async () => {
    await retire(filesPage);
    const { page } = await openSite({ viewport: { width: 390, height: 844 } });
    await launcher(page).click();
    const panel = widget(page).locator('.rc-panel');
    await panel.waitFor();
    const input = widget(page).getByRole('textbox', { name: 'Write a message…' });
    await input.fill('Typing on my phone');
    const full = (await panel.boundingBox())!;
    assert.deepEqual(
      [full.x, full.y, full.width, full.height].map(Math.round),
      [0, 0, 390, 844],
      'full screen',
    );
    await h.shot(page, 'phone-390');
    // The keyboard takes the lower part of the screen: the visual viewport shrinks.
    await page.setViewportSize({ width: 390, height: 500 });
    await page.waitForFunction(() => {
      const panel = document.querySelector('rapport-chat')?.shadowRoot?.querySelector('.rc-panel');
      return panel && Math.round(panel.getBoundingClientRect().height) === 500;
    });
    const composer = (await input.boundingBox())!;
    assert.ok(composer.y + composer.height <= 500, 'the composer stays visible');
  });

  test('a long wait offers a callback (keeping the place) or to continue by email', async () => {
    await retire(filesPage);
    const { page } = await openSite();
    await launcher(page).click();
    const input = widget(page).getByRole('textbox', { name: 'Write a message…' });
    await input.fill('Is anyone there?');
    await input.press('Enter');
    await ackFor('Is anyone there?', page);
    // Nobody on shift any more: no estimate, so the wait counts as long (for every waiting chat).
    await desk('PUT', '/api/routing/presence', { presence: 'offline' });
    for (const visitor of [page, filesPage]) {
      await visitor.reload();
      await launcher(visitor).click();
    }
    const waiting = widget(page).locator('.rc-waiting');
    await waiting.getByRole('button', { name: 'Call me back' }).waitFor();
    await h.shot(page, 'long-wait-offers');
    await waiting.getByRole('button', { name: 'Continue by email' }).click();
    await waiting.getByRole('textbox', { name: 'Email' }).fill('ana@example.com');
    await waiting.getByRole('button', { name: 'Send' }).click();
    await waiting.getByText('Thank you: we will answer by email.').waitFor();

    const other = widget(filesPage).locator('.rc-waiting');
    await other.getByRole('button', { name: 'Call me back' }).click();
    await other.getByRole('textbox', { name: 'Phone number' }).fill('+33 6 12 34 56 78');
    await other.getByRole('button', { name: 'Send' }).click();
    await other.getByText('we will call you back').waitFor();
  });

  test('the demo company’s website page shows the widget under its own strict CSP', async () => {
    const admin = await login(h.people.admin.email);
    await desk(
      'POST',
      '/api/channel-accounts',
      {
        channel: 'chat',
        provider: 'widget',
        displayName: 'Demo website',
        address: 'demo-website',
        teamId: h.teamId,
        settings: { greeting: 'Welcome to Demo Mobile!' },
      },
      admin,
    );
    const context = await h.browser.newContext({ viewport: { width: 1100, height: 720 } });
    contexts.push(context);
    await context.addInitScript(watchPage);
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text()))
        consoleProblems.push(message.text());
    });
    page.on('pageerror', (error) => consoleProblems.push(error.message));
    await page.goto(`${h.baseUrl}/demo/website`);
    await page.getByRole('heading', { name: 'Help with your plan' }).waitFor();
    await launcher(page).click();
    // The chat opens, named after the demo's account (offline here: nobody is on shift any more).
    await widget(page).getByText('Demo website').first().waitFor();
    await h.shot(page, 'demo-website');
  });

  test('no page was refused anything by its CSP, and no script error', () => {
    assert.deepEqual(consoleProblems, []);
  });

  // Every page counted its securitypolicyviolation events as it went (see watchPage).
  test('no Content-Security-Policy violation on any page', async () => {
    await retire();
    assert.ok(pagesChecked >= 10, `only ${pagesChecked} pages checked`);
    assert.deepEqual(violations, []);
  });
});
