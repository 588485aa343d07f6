/**
 * Inbound email end to end: 20 KB messages sent over SMTP to Rapport's server, each parsed (mailparser),
 * threaded, stored with its raw source and routed by the real intake, on SQLite and on PostgreSQL
 * (when it answers at RAPPORT_BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432/postgres).
 * Prints messages accepted, parsed and stored per second, and the accept latency (sendMail to 250:
 * the server answers 250 only once the message is stored). Goal: at least 200 a second.
 * Run: npx tsx bench/email-intake.ts   (or npm run bench -- email-intake)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { migrate, openStore, type Store } from '../src/platform/db/connect.ts';
import { createWriter } from '../src/platform/db/writer.ts';
import { inProcessBus } from '../src/platform/events/bus.ts';
import { systemClock } from '../src/platform/clock.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { createChannelAccount } from '../src/channels/channel-accounts.ts';
import { createEmailIntake } from '../src/channels/email/ingest.ts';
import { describeFigures, runSmtpBench } from './email-smtp.ts';

const logger = pino({ level: 'warn' });
const adminUrl =
  process.env.RAPPORT_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function measure(name: string, store: Store): Promise<void> {
  await migrate(store);
  const writer = createWriter(store.db, inProcessBus(logger), systemClock, { logger });
  await writer.run((unit) =>
    createChannelAccount(
      unit,
      createSecretBox('a-secret-key-for-the-bench-only-0123456789'),
      {
        channel: 'email',
        provider: 'smtp',
        displayName: 'Care',
        address: 'care@demo.rapport.test',
        settings: {},
      },
      systemActor,
    ),
  );
  const intake = createEmailIntake({
    writer,
    db: store.db,
    dialect: store.dialect,
    defaultRegion: 'FR',
    maxAttachmentBytes: 10_000_000,
    logger,
  });
  const take = async (raw: Buffer, envelope: { from: string | null; to: string[] }) => {
    await intake.take(raw, { via: 'smtp', envelope });
  };
  await runSmtpBench(take, { connections: 8, messages: 300 }); // warm-up
  for (const connections of [1, 8, 16])
    console.log(
      describeFigures(
        `${name}, parsed and stored`,
        await runSmtpBench(take, {
          connections,
          messages: 2_000,
          acceptsRecipient: (a) => intake.acceptsRecipient(a),
        }),
      ),
    );
  await writer.drain();
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-email-'));
const sqlite = openStore({ file: path.join(dir, 'rapport.sqlite') });
try {
  await measure('SQLite', sqlite);
} finally {
  await sqlite.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
const reachable = await admin.connect().then(
  () => true,
  () => false,
);
if (!reachable) {
  console.log(`PostgreSQL does not answer at ${adminUrl}: skipped`);
} else {
  const name = `rapport_bench_email_${process.pid}`;
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const store = openStore({ databaseUrl: url.toString() });
  try {
    await measure('PostgreSQL', store);
  } finally {
    await store.close();
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`drop database if exists ${name}`);
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  await admin.end();
}
