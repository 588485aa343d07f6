import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../src/platform/config.ts';
import type { Context } from '../src/platform/context.ts';
import { openStore } from '../src/platform/db/connect.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { buildServer, closeContext, createContext } from '../src/server.ts';
import { addTestAccounts } from '../test/channel-accounts-fixture.ts';
import { sqliteTemplateFile } from '../test/databases.ts';
import { createAdvisor, hashPassword, issueToken } from '../src/advisors/advisors.ts';
import type { Role } from '../src/advisors/access.ts';

/**
 * The browser-test harness every desk screen uses: a real Rapport server on a fresh SQLite file,
 * listening on a free port, with the built desk, a small company, and Chromium driven by
 * playwright-core. Each step can save a screenshot under test-artifacts/.
 */

export const password = 'correct horse battery';
const root = path.resolve(import.meta.dirname, '..');
const distIndex = path.join(root, 'web/dist/index.html');

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Builds web/dist once when it is missing (a fresh checkout); later runs reuse it. */
export function ensureDeskBuilt(): void {
  if (fs.existsSync(distIndex)) return;
  execFileSync(
    path.join(root, 'node_modules/.bin/vite'),
    ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
    { cwd: root, stdio: 'inherit' },
  );
}

/** Launches the system Chromium headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
  });
}

export type PersonKey = 'admin' | 'supervisor' | 'advisor' | 'gateway';

export interface DeskHarness {
  readonly ctx: Context;
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  readonly browser: Browser;
  readonly people: Record<PersonKey, { id: number; email: string; name: string }>;
  readonly teamId: number;
  /** Takes in a contact as the channel gateway would. */
  inbound(
    payload: Record<string, unknown>,
  ): Promise<{ interactionId: number; conversationId: number; customerId: number }>;
  /** A fresh browser context (own cookies) with a page on the desk. */
  openPage(options?: {
    viewport?: { width: number; height: number };
    deviceScaleFactor?: number;
  }): Promise<{ context: BrowserContext; page: Page }>;
  /** Signs in through the sign-in screen. */
  signIn(page: Page, who: PersonKey): Promise<void>;
  /** Saves a full-page screenshot as test-artifacts/<suite>/<nn>-<step>.png. */
  shot(page: Page, step: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts server, company and browser for one test file; `suite` names the screenshot folder. */
export async function startDeskHarness(
  suite: string,
  options: {
    readonly browser?: boolean;
    /** More environment settings for this suite's server (a RAPPORT_SECRET_KEY, say). */
    readonly env?: Readonly<Record<string, string>>;
  } = {},
): Promise<DeskHarness> {
  ensureDeskBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-desk-'));
  // A copy of the schema migrated once (see test/databases.ts), not every migration again.
  fs.copyFileSync(await sqliteTemplateFile(), path.join(dir, 'rapport.sqlite'));
  const store = openStore({ file: path.join(dir, 'rapport.sqlite') });
  const config = loadConfig(
    {
      RAPPORT_PHONE_REGION: 'FR',
      LOG_LEVEL: 'warn',
      RAPPORT_PUBLIC_RATE_LIMIT: '1000',
      RAPPORT_SECRET_KEY: 'a key for the browser tests, long enough to use',
      ...options.env,
    },
    { dataDir: dir },
  );
  const ctx = await createContext(config, { store, quiet: true });
  const app = await buildServer(ctx);
  const passwordHash = await hashPassword(password);
  const company = await ctx.writer.run(async (unit) => {
    const teamId = (
      await unit.db
        .insertInto('teams')
        .values({ name: 'Care', kind: 'contact_centre', created_at: unit.now })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const person = async (name: string, email: string, role: Role) => {
      const advisor = await createAdvisor(
        unit,
        {
          name,
          email,
          role,
          teamId: role === 'admin' || role === 'integration' ? null : teamId,
          shopId: null,
          passwordHash: role === 'integration' ? null : passwordHash,
        },
        systemActor,
      );
      return { id: advisor.id, email: advisor.email, name: advisor.name };
    };
    const people = {
      admin: await person('Ada Admin', 'admin@desk.test', 'admin'),
      supervisor: await person('Samira Supervisor', 'supervisor@desk.test', 'supervisor'),
      advisor: await person('Léa Martin', 'lea@desk.test', 'advisor'),
      gateway: await person('Gateway', 'gateway@desk.test', 'integration'),
    };
    const token = await issueToken(unit, people.gateway.id, 'browser tests', systemActor);
    await addTestAccounts(unit, teamId);
    return { teamId, people, token: token.token };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const browser = options.browser === false ? (null as unknown as Browser) : await launchChromium();
  const artifacts = path.join(root, 'test-artifacts', suite);
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  let step = 0;
  const contexts: BrowserContext[] = [];

  return {
    ctx,
    app,
    baseUrl,
    browser,
    people: company.people,
    teamId: company.teamId,
    async inbound(payload) {
      const response = await fetch(`${baseUrl}/api/interactions/inbound`, {
        method: 'POST',
        headers: { authorization: `Bearer ${company.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      if (response.status !== 201)
        throw new Error(`inbound refused: ${response.status} ${await response.text()}`);
      return (await response.json()) as {
        interactionId: number;
        conversationId: number;
        customerId: number;
      };
    },
    async openPage(pageOptions = {}) {
      const context = await browser.newContext({
        viewport: pageOptions.viewport ?? { width: 1280, height: 860 },
        deviceScaleFactor: pageOptions.deviceScaleFactor ?? 1,
      });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      return { context, page };
    },
    async signIn(page, who) {
      await page.goto(`${baseUrl}/desk/`);
      await page.getByLabel('Email').fill(company.people[who].email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
    },
    async shot(page, name) {
      step++;
      await page.screenshot({
        path: path.join(artifacts, `${String(step).padStart(2, '0')}-${name}.png`),
        fullPage: true,
      });
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      if (browser) await browser.close();
      await app.close();
      await closeContext(ctx);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
