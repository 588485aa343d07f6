import nodemailer from 'nodemailer';
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { testDatabases } from './databases.ts';
import { rapportArgv } from './server-process.ts';
import { openStore } from '../src/platform/db/connect.ts';
import { checkPassword } from '../src/advisors/advisors.ts';

const databases = await testDatabases();
const root = fileURLToPath(new URL('..', import.meta.url));
const adminUrl = process.env.RAPPORT_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
let counter = 0;

/** An empty place for Rapport's data: a directory for SQLite, a new database for PostgreSQL. */
interface Place {
  readonly env: Record<string, string>;
  open(): ReturnType<typeof openStore>;
  dispose(): Promise<void>;
}

async function freshPlace(dialect: 'sqlite' | 'postgres'): Promise<Place> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-cli-'));
    return {
      env: { RAPPORT_DATA_DIR: dir },
      open: () => openStore({ dataDir: dir }),
      dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `rapport_cli_${process.pid}_${Date.now()}_${counter++}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  // The data dir still points somewhere empty and private, so nothing lands in the repository.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-cli-'));
  return {
    env: { DATABASE_URL: databaseUrl, RAPPORT_DATA_DIR: dir },
    open: () => openStore({ databaseUrl }),
    async dispose() {
      fs.rmSync(dir, { recursive: true, force: true });
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** The environment the command sees: this machine's, minus Rapport settings that would leak in. */
function environment(place: Place, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'warn',
    RAPPORT_DEMO: 'false',
    // Any free port: two servers of one run never fight over 2525.
    RAPPORT_SMTP_PORT: '0',
    // A smaller demo company: what is checked is the same, loading it takes a fraction of the time.
    RAPPORT_DEMO_CUSTOMERS: '40',
    ...place.env,
    ...extra,
  };
  if (!place.env.DATABASE_URL) delete env.DATABASE_URL;
  delete env.NATS_URL;
  return env;
}

/**
 * `rapport <args>`: the installed command (bin/rapport.js, the sources through tsx) when `bin` is
 * set or no bundle was built, else the test runner's bundle of the same sources (starts faster).
 */
function start(args: string[], env: NodeJS.ProcessEnv, bin = false): ChildProcess {
  const argv =
    bin || !process.env.RAPPORT_TEST_MAIN
      ? [path.join(root, 'bin/rapport.js'), ...args]
      : rapportArgv(args);
  return spawn(process.execPath, argv, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `rapport <args>` to the end. */
async function rapport(
  place: Place,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(place, args, false);
}

/** Runs `rapport <args>` to the end, through bin/rapport.js itself when `bin` is set. */
async function run(
  place: Place,
  args: string[],
  bin: boolean,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(args, environment(place), bin);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

const shown = (r: { code: number | null; stdout: string; stderr: string }) =>
  `exit ${r.code}\n${r.stdout.slice(0, 1000)}\n${r.stderr.slice(0, 2000)}`;

interface Identity {
  kind: string;
  network: string;
  value: string;
}
interface Export {
  customer: { id: number; displayName: string; erased: boolean; identities: Identity[] };
  conversations: unknown[];
  interactions: Array<{ text: string }>;
}

// Each command starts a fresh process (a few seconds each), so the databases' legs run side by side;
// inside a leg the steps run in order, each building on the one before.
describe('the rapport command and npm start', { concurrency: 2 }, () => {
  for (const db of databases) {
    describe(`the rapport command on ${db.name}`, { skip: db.skip, concurrency: 1 }, () => {
      let place: Place;
      let identities: Identity[] = [];

      before(async () => {
        place = await freshPlace(db.name);
      });
      after(() => place?.dispose());

      test('migrate on an empty database exits 0 (through bin/rapport.js, the installed command)', async () => {
        const result = await run(place, ['migrate'], true);
        assert.equal(result.code, 0, shown(result));
        assert.match(result.stdout, /up to date/);
      });

      // The timeout only stops a hang: seeding takes 7 s (SQLite) to 15 s (PostgreSQL) on an idle
      // machine, and four times that while the browser tests share its two cores.
      test(
        'seed-demo loads the demo company into an empty database',
        { timeout: 300_000 },
        async () => {
          const result = await rapport(place, 'seed-demo');
          assert.equal(result.code, 0, shown(result));
          assert.match(result.stdout, /demo company loaded: 40 customers/);
          assert.match(result.stdout, /integration token \(shown once\): rpt_/);
        },
      );

      test('a second seed-demo refuses and changes nothing', async () => {
        const store = place.open();
        const count = async () =>
          Number(
            (
              await store.db
                .selectFrom('customers')
                .select((eb) => eb.fn.countAll().as('n'))
                .executeTakeFirstOrThrow()
            ).n,
          );
        try {
          const before = await count();
          const result = await rapport(place, 'seed-demo');
          assert.equal(result.code, 1, shown(result));
          assert.match(result.stderr, /already holds data/);
          assert.equal(await count(), before);
        } finally {
          await store.close();
        }
      });

      test('user add creates a person who can sign in, and user reset-password changes their password', async () => {
        const added = await rapport(
          place,
          'user',
          'add',
          '--email',
          'a@b.test',
          '--name',
          'A',
          '--role',
          'admin',
          '--password',
          'longenough1',
        );
        assert.equal(added.code, 0, shown(added));
        assert.match(added.stdout, /added admin a@b\.test/);
        const again = await rapport(
          place,
          'user',
          'add',
          '--email',
          'A@B.test',
          '--name',
          'A again',
          '--role',
          'admin',
        );
        assert.equal(again.code, 1, shown(again));
        assert.match(again.stderr, /already exists/);
        const short = await rapport(
          place,
          'user',
          'add',
          '--email',
          'c@b.test',
          '--name',
          'C',
          '--role',
          'admin',
          '--password',
          'short',
        );
        assert.equal(short.code, 1, shown(short));

        const store = place.open();
        try {
          assert.equal((await checkPassword(store.db, 'a@b.test', 'longenough1')).name, 'A');
          const reset = await rapport(
            place,
            'user',
            'reset-password',
            '--email',
            'a@b.test',
            '--password',
            'anotherlongone',
          );
          assert.equal(reset.code, 0, shown(reset));
          assert.equal((await checkPassword(store.db, 'a@b.test', 'anotherlongone')).name, 'A');
          await assert.rejects(
            checkPassword(store.db, 'a@b.test', 'longenough1'),
            /email or password is wrong/,
          );
        } finally {
          await store.close();
        }
        const unknown = await rapport(
          place,
          'user',
          'reset-password',
          '--email',
          'nobody@b.test',
          '--password',
          'anotherlongone',
        );
        assert.equal(unknown.code, 1, shown(unknown));
        assert.match(unknown.stderr, /no user nobody@b\.test/);
      });

      test('customer export prints the customer with their identities, conversations and interactions', async () => {
        const result = await rapport(place, 'customer', 'export', '--id', '1');
        assert.equal(result.code, 0, shown(result));
        const data = JSON.parse(result.stdout) as Export;
        assert.equal(data.customer.id, 1);
        assert.ok(data.customer.identities.length > 0, 'the demo customer 1 has identities');
        assert.ok(data.conversations.length > 0);
        assert.ok(data.interactions.length > 0);
        identities = data.customer.identities;
      });

      test('customer erase anonymises the customer; the export then holds no identity', async () => {
        assert.ok(identities.length > 0, 'runs after the export test');
        const erased = await rapport(place, 'customer', 'erase', '--id', '1');
        assert.equal(erased.code, 0, shown(erased));
        const result = await rapport(place, 'customer', 'export', '--id', '1');
        assert.equal(result.code, 0, shown(result));
        const data = JSON.parse(result.stdout) as Export;
        assert.equal(data.customer.displayName, 'Erased customer');
        assert.equal(data.customer.erased, true);
        assert.deepEqual(data.customer.identities, []);
        assert.ok(data.interactions.every((i) => i.text === '[erased]'));
        for (const identity of identities) {
          assert.ok(
            !result.stdout.toLowerCase().includes(identity.value.toLowerCase()),
            `${identity.kind} ${identity.value} is still in the export`,
          );
        }
        const twice = await rapport(place, 'customer', 'erase', '--id', '1');
        assert.equal(twice.code, 1, shown(twice));
        assert.match(twice.stderr, /already erased/);
      });

      test('customer export of an unknown id fails with a message', async () => {
        const result = await rapport(place, 'customer', 'export', '--id', '99999');
        assert.equal(result.code, 1, shown(result));
        assert.match(result.stderr, /customer not found/);
      });
    });

    describe(`npm start on a fresh ${db.name} database`, { skip: db.skip, concurrency: 1 }, () => {
      let place: Place;
      let server: ChildProcess | undefined;
      let port: number;
      let output = '';
      let errors = '';
      let base: string;

      before(
        async () => {
          place = await freshPlace(db.name);
          const probe = createServer();
          probe.listen(0, '127.0.0.1');
          await once(probe, 'listening');
          port = (probe.address() as AddressInfo).port;
          probe.close();
          await once(probe, 'close');
          base = `http://127.0.0.1:${port}`;
          server = start(
            ['serve'],
            environment(place, { PORT: String(port), HOST: '127.0.0.1', RAPPORT_DEMO: 'true' }),
          );
          const started = server;
          server.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
          await new Promise<void>((resolve, reject) => {
            started.stdout!.on('data', (chunk: Buffer) => {
              output += chunk.toString();
              // Wait for the whole banner: its last line says how to stop.
              if (/Press Ctrl\+C to stop\.\n/.test(output)) resolve();
            });
            started.once('exit', (code) =>
              reject(
                new Error(
                  `serve exited with ${code} before it was ready\n${output}\n${errors.slice(0, 3000)}`,
                ),
              ),
            );
          });
        },
        // Serving seeds the demo company first: see the seed-demo test's timeout.
        { timeout: 300_000 },
      );
      after(async () => {
        if (server && server.exitCode === null && server.signalCode === null) {
          const exited = once(server, 'exit');
          server.kill('SIGTERM');
          await exited;
        }
        await place?.dispose();
      });

      test('it prints where to open Rapport and how to sign in', () => {
        assert.ok(output.includes(`${base}/desk/`), output);
        assert.match(output, /admin@demo\.rapport\.test/);
      });

      test('the printed desk address opens, or says how to build the desk when it is not built', async () => {
        const response = await fetch(`${base}/desk/`);
        // `npm start` builds the front end first; this test starts the server without building.
        if (fs.existsSync(path.join(root, 'web/dist/index.html'))) {
          assert.equal(response.status, 200, `GET /desk/ answered ${response.status}`);
          assert.match(response.headers.get('content-type') ?? '', /text\/html/);
        } else {
          assert.equal(response.status, 503, `GET /desk/ answered ${response.status}`);
          assert.match(((await response.json()) as { detail: string }).detail, /npm run build/);
        }
      });

      test('it is ready: the database answers, and a signed-in admin sees which one', async () => {
        const anonymous = await fetch(`${base}/readyz`);
        assert.equal(anonymous.status, 200);
        assert.deepEqual(await anonymous.json(), { status: 'ready' });
        const login = await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'admin@demo.rapport.test', password: 'rapport-demo' }),
        });
        assert.equal(login.status, 200);
        const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
        const admin = await fetch(`${base}/readyz`, { headers: { cookie } });
        assert.equal(admin.status, 200);
        assert.equal(((await admin.json()) as { database: string }).database, db.name);
      });

      test('the API answers with the demo company', async () => {
        const login = await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'admin@demo.rapport.test', password: 'rapport-demo' }),
        });
        assert.equal(login.status, 200);
        const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
        assert.match(cookie, /^rapport_session=/);
        let seen = 0;
        let cursor: string | null = null;
        do {
          const url: string = `${base}/api/customers?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
          const page = await fetch(url, { headers: { cookie } });
          assert.equal(page.status, 200);
          const body = (await page.json()) as { items: unknown[]; nextCursor: string | null };
          seen += body.items.length;
          cursor = body.nextCursor;
        } while (cursor);
        assert.ok(seen >= 40, `only ${seen} customers visible`);
        const shops = (await (
          await fetch(`${base}/api/shops`, { headers: { cookie } })
        ).json()) as { items: Array<{ timeZone: string }> };
        assert.equal(
          new Set(shops.items.map((s) => s.timeZone)).size,
          3,
          'three shops in three time zones',
        );
      });

      test('the printed demo website page carries the chat widget under a strict CSP', async () => {
        const printed = /Chat as a customer on the demo company's website: (\S+)/.exec(output);
        assert.ok(printed, output);
        const page = await fetch(printed[1]!);
        assert.equal(page.status, 200);
        assert.match(
          await page.text(),
          /<script src="\/widget\.js" data-account="demo-website" defer>/,
        );
        const policy = page.headers.get('content-security-policy') ?? '';
        assert.match(policy, /script-src 'self'/);
        assert.doesNotMatch(policy, /unsafe-inline/);
        const config = await fetch(`${base}/api/widget/demo-website/config`);
        assert.equal(config.status, 200, 'the demo chat account answers the widget');
      });

      test('a newcomer can mail the demo mailbox on the printed SMTP port and see it in the desk', async () => {
        const printed = /Mail comes in by SMTP on ([\d.]+):(\d+)/.exec(output);
        assert.ok(printed, output);
        const word = `parcel${Date.now()}`;
        const transport = nodemailer.createTransport({
          host: printed[1],
          port: Number(printed[2]),
          ignoreTLS: true,
        });
        await transport.sendMail({
          from: '"Newcomer" <newcomer@example.org>',
          to: 'care@demo.rapport.test',
          subject: `Where is my ${word}?`,
          text: `My ${word} has not arrived.`,
        });
        transport.close();
        const login = await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'admin@demo.rapport.test', password: 'rapport-demo' }),
        });
        const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
        const found = (await (
          await fetch(`${base}/api/search?q=${word}`, { headers: { cookie } })
        ).json()) as { interactions: Array<{ kind: string; from: string }> };
        assert.deepEqual(
          found.interactions.map((i) => [i.kind, i.from]),
          [['email', 'newcomer@example.org']],
        );
      });

      test('demo-traffic keeps contacts arriving at the running Rapport, each in a case', async () => {
        assert.match(output, /Keep contacts arriving: npm run rapport -- demo-traffic/);
        const run = await rapport(
          place,
          'demo-traffic',
          '--per-minute',
          '600',
          '--count',
          '4',
          '--url',
          base,
        );
        assert.equal(run.code, 0, shown(run));
        const taken = run.stdout.split('\n').filter((line) => / from .+ -> case \d+$/.test(line));
        assert.ok(taken.length === 4, shown(run));
      });
    });
  }
});
