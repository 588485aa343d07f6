/**
 * The job queue: jobs claimed and completed per second with a no-op handler, and what enqueueing a
 * job adds to a unit of work (p50/p99 of writer.run with and without an enqueue), on SQLite and on
 * PostgreSQL (when it answers at RAPPORT_BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432/postgres).
 * Run: npx tsx bench/jobs.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { migrate, openStore, type Store } from '../src/platform/db/connect.ts';
import { createWriter, type Unit, type Writer } from '../src/platform/db/writer.ts';
import { inProcessBus } from '../src/platform/events/bus.ts';
import { systemClock } from '../src/platform/clock.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { enqueueJob } from '../src/platform/jobs/jobs.ts';
import { startJobWorkers } from '../src/platform/jobs/workers.ts';

const JOBS = 10_000;
const SAMPLES = 2_000;
const logger = pino({ level: 'warn' });
const adminUrl =
  process.env.RAPPORT_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let n = 0;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function throughput(store: Store, writer: Writer, concurrency: number): Promise<number> {
  const before = await doneCount(store);
  for (let done = 0; done < JOBS; done += 1_000) {
    await writer.run(async (unit) => {
      for (let i = 0; i < 1_000; i++) await enqueueJob(unit, { type: 'noop', payload: { i } });
    });
  }
  const started = performance.now();
  const workers = startJobWorkers({
    dialect: store.dialect,
    writer,
    logger,
    concurrency,
    pollMs: 5,
    handlers: { noop: async () => {} },
  });
  while ((await doneCount(store)) < before + JOBS)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;
  await workers.stop();
  return JOBS / seconds;
}

async function doneCount(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'done')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A small write like a reply's: one row and its audit event; `withJob` also queues its send. */
function unitOfWork(n: number, withJob: boolean) {
  return async (unit: Unit) => {
    const row = await unit.db
      .insertInto('teams')
      .values({ name: `bench ${n}`, kind: 'contact_centre', created_at: unit.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await unit.record({
      type: 'team.created',
      actor: systemActor,
      entity: { type: 'team', id: row.id },
      after: { name: `bench ${n}` },
    });
    if (withJob)
      await enqueueJob(unit, { type: 'send', payload: { teamId: row.id }, key: `send:${row.id}` });
  };
}

async function timeUnits(writer: Writer, clients: number, count: number, withJob: boolean) {
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < count / clients; i++) {
        const started = performance.now();
        await writer.run(unitOfWork(n++, withJob));
        times.push(performance.now() - started);
      }
    }),
  );
  return times;
}

/** Rounds alternate the two kinds, so both meet the same drift in the machine's load. */
async function enqueueLatency(writer: Writer, clients: number) {
  const times = { with: [] as number[], without: [] as number[] };
  for (let round = 0; round < 4; round++) {
    times.without.push(...(await timeUnits(writer, clients, SAMPLES / 4, false)));
    times.with.push(...(await timeUnits(writer, clients, SAMPLES / 4, true)));
  }
  times.with.sort((a, b) => a - b);
  times.without.sort((a, b) => a - b);
  return times;
}

async function measure(name: string, store: Store): Promise<void> {
  await migrate(store);
  const writer = createWriter(store.db, inProcessBus(logger), systemClock, { logger });
  for (const concurrency of [16, 64]) {
    const rate = await throughput(store, writer, concurrency);
    console.log(
      `${name}: ${rate.toFixed(0)} jobs claimed and completed per second (${JOBS} no-op jobs, ${concurrency} at a time)`,
    );
  }
  await timeUnits(writer, 16, 400, true); // warm-up
  const f = (x: number) => `${x.toFixed(2)} ms`;
  for (const clients of [1, 16]) {
    const t = await enqueueLatency(writer, clients);
    console.log(
      `${name}, ${clients} client(s): writer.run without an enqueue p50 ${f(percentile(t.without, 50))}, p99 ${f(percentile(t.without, 99))}; ` +
        `with one p50 ${f(percentile(t.with, 50))}, p99 ${f(percentile(t.with, 99))} (${SAMPLES} units of each kind)`,
    );
  }
  await writer.drain();
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-jobs-'));
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
  const name = `rapport_bench_jobs_${process.pid}`;
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const store = openStore({ databaseUrl: url.toString() });
  try {
    await measure('PostgreSQL', store);
  } finally {
    await store.close();
  }
  // The pool's sockets may still be closing: a forced drop would kill them mid-goodbye.
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
