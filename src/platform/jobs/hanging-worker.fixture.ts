/**
 * A worker process for the kill -9 test in jobs.test.ts: it claims a job, sends it to the fake
 * provider with the job's key, says so on stdout, and then hangs until it is killed.
 * Environment: JOBS_DATABASE (a PostgreSQL URL or an SQLite file), JOBS_PROVIDER_URL, JOBS_LEASE_MS.
 */
import { pino } from 'pino';
import { openStore } from '../db/connect.ts';
import { createWriter } from '../db/writer.ts';
import { inProcessBus } from '../events/bus.ts';
import { systemClock } from '../clock.ts';
import { startJobWorkers } from './workers.ts';

const database = process.env.JOBS_DATABASE!;
const store = database.startsWith('postgres')
  ? openStore({ databaseUrl: database })
  : openStore({ file: database });
const logger = pino({ level: 'warn' });
const writer = createWriter(store.db, inProcessBus(logger), systemClock, { logger });
// The workers' timers do not hold a process open (a server does, in `serve`); here nothing else would.
setInterval(() => {}, 60_000);
startJobWorkers({
  dialect: store.dialect,
  writer,
  logger,
  pollMs: 20,
  leaseMs: Number(process.env.JOBS_LEASE_MS),
  handlers: {
    async send(job) {
      await fetch(process.env.JOBS_PROVIDER_URL!, {
        method: 'POST',
        headers: { 'idempotency-key': job.key ?? '', 'content-type': 'application/json' },
        body: JSON.stringify(job.payload),
      });
      process.stdout.write(`in-handler ${job.id}\n`);
      await new Promise(() => {});
    },
  },
});
