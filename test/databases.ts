import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { createConnection } from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { migrate, openStore, type Store } from '../src/platform/db/connect.ts';

/**
 * Every leg is explicit: CI sets RAPPORT_REQUIRE_POSTGRES=1 and RAPPORT_REQUIRE_NATS=1, so a missing
 * server fails the run instead of skipping; locally a missing server skips its leg with a line saying so.
 */
const adminUrl = process.env.RAPPORT_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  readonly name: 'sqlite' | 'postgres';
  /** Set when this leg cannot run here, with the reason. */
  readonly skip: string | false;
  /** A fresh, empty database for one suite. */
  open(): Promise<Store>;
  /**
   * Another store on the database `store` opened, as a second node would open it (its own pool);
   * undefined on SQLite, which one process serves.
   */
  reopen(store: Store): Store | undefined;
}

const dbSources = path.join(import.meta.dirname, '../src/platform/db');

/** A digest of everything that decides the schema: the migrations and the dialects. */
function schemaDigest(): string {
  const files = ['migrations', 'dialects']
    .flatMap((dir) =>
      fs.readdirSync(path.join(dbSources, dir)).map((file) => path.join(dbSources, dir, file)),
    )
    .concat(path.join(dbSources, 'migrations.ts'))
    .sort();
  const hash = createHash('sha1');
  for (const file of files) hash.update(file).update(fs.readFileSync(file));
  return hash.digest('hex').slice(0, 12);
}

/*
 * A fresh database starts as a copy of one migrated once per schema (a file on SQLite, a template
 * database on PostgreSQL), not by running every migration again: that took each suite 0.5 s on
 * SQLite and 1.6 s on PostgreSQL. The copy is what `migrate` would have made; the harness's own
 * `migrate` then finds nothing to do.
 */
let sqliteTemplate: Promise<string> | undefined;
export function sqliteTemplateFile(): Promise<string> {
  sqliteTemplate ??= (async () => {
    const file = path.join(os.tmpdir(), `rapport-template-${schemaDigest()}.sqlite`);
    if (fs.existsSync(file)) return file;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-template-'));
    const building = path.join(dir, 'rapport.sqlite');
    const store = openStore({ file: building });
    await migrate(store);
    // One self-contained file (the store runs in WAL mode), published whole by a rename; a process
    // racing this one writes the same schema.
    const copy = path.join(dir, 'template.sqlite');
    await sql`vacuum into ${sql.lit(copy)}`.execute(store.db);
    await store.close();
    fs.renameSync(copy, file);
    fs.rmSync(dir, { recursive: true, force: true });
    return file;
  })();
  return sqliteTemplate;
}

let postgresTemplate: Promise<string> | undefined;
function postgresTemplateName(): Promise<string> {
  postgresTemplate ??= (async () => {
    const name = `rapport_template_${schemaDigest()}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    // One process builds it while the others wait for it.
    await admin.query('select pg_advisory_lock(731137)');
    try {
      const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
      if (found.rowCount === 0) {
        const building = `${name}_building_${process.pid}`;
        await admin.query(`create database ${building}`);
        const url = new URL(adminUrl);
        url.pathname = `/${building}`;
        const store = openStore({ databaseUrl: url.toString() });
        await migrate(store);
        await store.close();
        await untilClosed(admin, building);
        await admin.query(`alter database ${building} rename to ${name}`);
      }
      return name;
    } finally {
      await admin.query('select pg_advisory_unlock(731137)');
      await admin.end();
    }
  })();
  return postgresTemplate;
}

/** Waits until no connection to `name` is left (a pool's clients close a moment after it ends). */
async function untilClosed(client: pg.Client, name: string): Promise<void> {
  for (let wait = 0; wait < 50; wait++) {
    const open = await client.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where datname = $1',
      [name],
    );
    if (open.rows[0]?.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const urls = new WeakMap<Store, string>();

let counter = 0;

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Both databases every storage test runs on: SQLite always, PostgreSQL when a server answers. */
export async function testDatabases(): Promise<TestDatabase[]> {
  const pgUp = await postgresAnswers();
  if (!pgUp) {
    if (process.env.RAPPORT_REQUIRE_POSTGRES === '1')
      throw new Error(`PostgreSQL does not answer at ${adminUrl} and RAPPORT_REQUIRE_POSTGRES=1`);
    console.log(
      `# PostgreSQL does not answer at ${adminUrl}: skipping the PostgreSQL leg of these tests`,
    );
  }
  return [
    {
      name: 'sqlite',
      skip: false,
      async open() {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-test-'));
        fs.copyFileSync(await sqliteTemplateFile(), path.join(dir, 'rapport.sqlite'));
        const store = openStore({ file: path.join(dir, 'rapport.sqlite') });
        return {
          ...store,
          async close() {
            await store.close();
            fs.rmSync(dir, { recursive: true, force: true });
          },
        };
      },
      reopen: () => undefined,
    },
    {
      name: 'postgres',
      skip: pgUp ? false : 'PostgreSQL not reachable',
      async open() {
        const name = `rapport_test_${process.pid}_${Date.now()}_${counter++}`;
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect();
        const template = await postgresTemplateName();
        // Two copies of one template at the same moment: PostgreSQL may refuse the second for a
        // moment while the first reads it.
        for (let attempt = 0; ; attempt++) {
          try {
            await admin.query(`create database ${name} template ${template}`);
            break;
          } catch (error) {
            if ((error as { code?: string }).code !== '55006' || attempt >= 100) throw error;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
        await admin.end();
        const url = new URL(adminUrl);
        url.pathname = `/${name}`;
        const store = openStore({ databaseUrl: url.toString() });
        const opened: Store = {
          ...store,
          async close() {
            await store.close();
            const cleanup = new pg.Client({ connectionString: adminUrl });
            await cleanup.connect();
            // The pool forgets its clients before their connections are gone; a forced drop
            // would kill those still closing, and their pool would report it as an error.
            await untilClosed(cleanup, name);
            await cleanup.query(`drop database if exists ${name} with (force)`);
            await cleanup.end();
          },
        };
        urls.set(opened, url.toString());
        return opened;
      },
      reopen(store) {
        const url = urls.get(store);
        return url === undefined ? undefined : openStore({ databaseUrl: url });
      },
    },
  ];
}

const natsUrl = process.env.RAPPORT_TEST_NATS ?? 'nats://127.0.0.1:4222';

/** Whether a NATS server greets us (its INFO line) on the test URL within two seconds. */
async function natsAnswers(): Promise<boolean> {
  const { hostname, port } = new URL(natsUrl);
  const socket = createConnection({ host: hostname, port: Number(port) || 4222 });
  socket.setTimeout(2000);
  try {
    return await new Promise<boolean>((resolve) => {
      socket.once('data', (data) => resolve(String(data).startsWith('INFO')));
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => resolve(false));
    });
  } finally {
    socket.destroy();
  }
}

export interface TestNats {
  readonly url: string;
  /** Set when the NATS leg cannot run here, with the reason. */
  readonly skip: string | false;
}

/** The NATS server the NATS legs use: required under RAPPORT_REQUIRE_NATS=1, else skipped when absent. */
export async function testNats(): Promise<TestNats> {
  if (await natsAnswers()) return { url: natsUrl, skip: false };
  if (process.env.RAPPORT_REQUIRE_NATS === '1')
    throw new Error(`NATS does not answer at ${natsUrl} and RAPPORT_REQUIRE_NATS=1`);
  console.log(`# NATS does not answer at ${natsUrl}: skipping the NATS leg of these tests`);
  return { url: natsUrl, skip: `NATS not reachable at ${natsUrl}` };
}
