import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { pino } from 'pino';
import { testDatabases } from '../../../test/databases.ts';
import { migrate, openStore, type Store } from '../db/connect.ts';
import { createWriter, type Writer } from '../db/writer.ts';
import { inProcessBus } from '../events/bus.ts';
import { manualClock, systemClock } from '../clock.ts';
import { systemActor } from '../events/event.ts';
import {
  enqueueJob,
  JobFailure,
  listJobs,
  purgeDoneJobs,
  retryJob,
  type DeadJob,
  type JobHandler,
} from './jobs.ts';
import { startJobWorkers, type JobWorkerOptions, type JobWorkers } from './workers.ts';

const databases = await testDatabases();
const logger = pino({ level: 'silent' });

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Where another process or node would connect to reach the same database as `store`. */
async function addressOf(store: Store): Promise<string> {
  if (store.dialect.name === 'sqlite') {
    const { rows } = await sql<{ file: string }>`pragma database_list`.execute(store.db);
    return rows[0]!.file;
  }
  const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(store.db);
  const url = new URL(
    process.env.RAPPORT_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test',
  );
  url.pathname = `/${rows[0]!.name}`;
  return url.toString();
}

for (const database of databases) {
  describe(`the job queue on ${database.name}`, { skip: database.skip }, () => {
    let store: Store;
    const running: JobWorkers[] = [];
    before(async () => {
      store = await database.open();
      await migrate(store);
    });
    after(async () => {
      await Promise.all(running.map((w) => w.stop()));
      await store.close();
    });

    function workers(
      writer: Writer,
      handlers: Record<string, JobHandler>,
      more: Partial<JobWorkerOptions> = {},
    ): JobWorkers {
      const started = startJobWorkers({
        dialect: store.dialect,
        writer,
        logger,
        handlers,
        pollMs: 5,
        // Jitter at its ceiling, so the waits are known: base · 2^(attempt-1).
        random: () => 1,
        backoff: { baseMs: 1_000, capMs: 60_000 },
        ...more,
      });
      running.push(started);
      return started;
    }

    const jobRow = (id: number) =>
      store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    const jobWhen = (id: number, check: (row: Awaited<ReturnType<typeof jobRow>>) => boolean) =>
      waitFor(`job ${id}`, async () => {
        const row = await jobRow(id);
        return check(row) && row;
      });

    test('a job that fails twice with a temporary error and then succeeds does its work once and ends done', async () => {
      const clock = manualClock();
      const writer = createWriter(store.db, inProcessBus(logger), clock, { logger });
      const id = await writer.run((unit) =>
        enqueueJob(unit, { type: 'flaky', payload: { to: 'ada@example.com' } }),
      );
      let sent = 0;
      const attempts: number[] = [];
      const w = workers(writer, {
        async flaky(job) {
          attempts.push(job.attempt);
          if (job.attempt === 1) throw new Error('connection reset');
          if (job.attempt === 2)
            throw new JobFailure({ retry: 'later', reason: 'provider answered 503' });
          sent++;
        },
      });
      const first = await jobWhen(id, (r) => r.attempts === 1 && r.state === 'queued');
      assert.equal(first.run_at, clock.now() + 1_000);
      assert.equal(first.last_error, 'connection reset');
      clock.advance(999);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await jobRow(id)).attempts, 1, 'it ran again before its backoff was over');
      clock.advance(1);
      const second = await jobWhen(id, (r) => r.attempts === 2 && r.state === 'queued');
      assert.equal(second.run_at, clock.now() + 2_000);
      assert.equal(second.last_error, 'provider answered 503');
      clock.advance(2_000);
      const done = await jobWhen(id, (r) => r.state === 'done');
      await w.stop();
      assert.equal(sent, 1);
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.equal(done.attempts, 3);
      assert.equal(done.last_error, null);
      assert.equal(done.lease_until, null);
    });

    test('a permanent failure gives the job up at once, with its reason, and tells the owner in the same unit', async () => {
      const clock = manualClock();
      const writer = createWriter(store.db, inProcessBus(logger), clock, { logger });
      const id = await writer.run((unit) =>
        enqueueJob(unit, { type: 'doomed', payload: { interactionId: 7 }, key: 'doomed:7' }),
      );
      const told: DeadJob[] = [];
      let runs = 0;
      const w = workers(
        writer,
        {
          async doomed() {
            runs++;
            if (runs === 1)
              throw new JobFailure({ retry: 'never', reason: '550 mailbox does not exist' });
          },
        },
        {
          onDead: {
            async doomed(unit, job) {
              told.push(job);
              // The owner marks its own record failed in the unit that buries the job.
              await unit.db
                .insertInto('teams')
                .values({ name: `failed ${job.id}`, kind: 'contact_centre', created_at: unit.now })
                .execute();
            },
          },
        },
      );
      const dead = await jobWhen(id, (r) => r.state === 'dead');
      assert.equal(dead.attempts, 1);
      assert.equal(dead.last_error, '550 mailbox does not exist');
      assert.equal(runs, 1);
      assert.deepEqual(told, [
        {
          id,
          type: 'doomed',
          payload: { interactionId: 7 },
          key: 'doomed:7',
          attempts: 1,
          reason: '550 mailbox does not exist',
        },
      ]);
      const mark = await store.db
        .selectFrom('teams')
        .select('id')
        .where('name', '=', `failed ${id}`)
        .executeTakeFirst();
      assert.ok(mark, 'the owner’s change was not committed');
      const event = await store.db
        .selectFrom('events')
        .selectAll()
        .where('type', '=', 'job.dead')
        .where('entity_id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal((JSON.parse(event.after!) as { reason: string }).reason, dead.last_error);

      const listed = await listJobs(store.db, { state: 'dead', limit: 50 });
      assert.deepEqual(
        listed.filter((j) => j.id === id).map((j) => [j.type, j.key, j.lastError]),
        [['doomed', 'doomed:7', '550 mailbox does not exist']],
      );
      // An admin retries it: fresh attempts, due now, and this time it goes through.
      await writer.run((unit) => retryJob(unit, id, { type: 'advisor', id: 1 }));
      const done = await jobWhen(id, (r) => r.state === 'done');
      await w.stop();
      assert.equal(done.attempts, 1);
      assert.equal(runs, 2);
      await assert.rejects(
        writer.run((unit) => retryJob(unit, id, systemActor)),
        /only a dead job can be retried/,
      );
    });

    test('a job runs out of attempts and dies with its last error', async () => {
      const clock = manualClock();
      const writer = createWriter(store.db, inProcessBus(logger), clock, { logger });
      const id = await writer.run((unit) =>
        enqueueJob(unit, { type: 'never-works', payload: null, maxAttempts: 2 }),
      );
      const w = workers(writer, {
        async 'never-works'() {
          throw new Error('timeout after 10 s');
        },
      });
      await jobWhen(id, (r) => r.attempts === 1 && r.state === 'queued');
      clock.advance(1_000);
      const dead = await jobWhen(id, (r) => r.state === 'dead');
      await w.stop();
      assert.equal(dead.attempts, 2);
      assert.match(dead.last_error!, /^timeout after 10 s \(gave up after 2 attempts\)$/);
    });

    test('a job still failing after its maximum age is given up', async () => {
      const clock = manualClock();
      const writer = createWriter(store.db, inProcessBus(logger), clock, { logger });
      const id = await writer.run((unit) =>
        enqueueJob(unit, { type: 'aging', payload: null, maxAttempts: 100 }),
      );
      const w = workers(
        writer,
        {
          async aging() {
            throw new JobFailure({ retry: 'later', retryAfterMs: 3_600_000, reason: 'busy' });
          },
        },
        { maxAgeMs: 90 * 60_000 },
      );
      await jobWhen(id, (r) => r.attempts === 1 && r.state === 'queued');
      clock.advance(3_600_000);
      const dead = await jobWhen(id, (r) => r.state === 'dead');
      await w.stop();
      assert.equal(dead.attempts, 2);
      assert.match(dead.last_error!, /^busy \(gave up: a retry would be older than 90 min\)$/);
    });

    test('a Retry-After from the provider is honoured: the job waits exactly that long', async () => {
      const clock = manualClock();
      const writer = createWriter(store.db, inProcessBus(logger), clock, { logger });
      const id = await writer.run((unit) =>
        enqueueJob(unit, { type: 'rate-limited', payload: null }),
      );
      const startedAt: number[] = [];
      const w = workers(writer, {
        async 'rate-limited'(job) {
          startedAt.push(clock.now());
          if (job.attempt === 1)
            throw new JobFailure({ retry: 'later', retryAfterMs: 60_000, reason: '429' });
        },
      });
      const queued = await jobWhen(id, (r) => r.attempts === 1 && r.state === 'queued');
      const failedAt = clock.now();
      assert.equal(queued.run_at, failedAt + 60_000);
      clock.advance(59_999);
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.equal((await jobRow(id)).state, 'queued');
      clock.advance(1);
      await jobWhen(id, (r) => r.state === 'done');
      await w.stop();
      assert.deepEqual(startedAt, [failedAt, failedAt + 60_000]);
    });

    test('a job enqueued in a unit that rolls back does not exist', async () => {
      const writer = createWriter(store.db, inProcessBus(logger), systemClock, { logger });
      await assert.rejects(
        writer.run(async (unit) => {
          await enqueueJob(unit, { type: 'rolled-back', payload: { n: 1 } });
          throw new Error('the reply could not be stored');
        }),
        /could not be stored/,
      );
      await writer.run((unit) => enqueueJob(unit, { type: 'committed', payload: { n: 2 } }));
      const types = (
        await store.db
          .selectFrom('jobs')
          .select('type')
          .where('type', 'in', ['rolled-back', 'committed'])
          .execute()
      ).map((r) => r.type);
      assert.deepEqual(types, ['committed']);
    });

    test('the same key enqueued twice makes one job, in one batch or in two', async () => {
      const writer = createWriter(store.db, inProcessBus(logger), systemClock, { logger });
      const send = { type: 'keyed', payload: { interactionId: 42 }, key: 'send:42' };
      const together = await Promise.all([
        writer.run((unit) => enqueueJob(unit, send)),
        writer.run((unit) => enqueueJob(unit, send)),
      ]);
      const later = await writer.run((unit) => enqueueJob(unit, send));
      assert.equal(together[0], together[1]);
      assert.equal(later, together[0]);
      const rows = await store.db
        .selectFrom('jobs')
        .select('id')
        .where('key', '=', 'send:42')
        .execute();
      assert.equal(rows.length, 1);
    });

    test('finished jobs are purged after their keeping time, dead ones stay, and a purged key can be used again', async () => {
      // Long before the other tests' jobs, so only this test's jobs are old enough to purge.
      const clock = manualClock(Date.UTC(2020, 0, 1));
      const writer = createWriter(store.db, inProcessBus(logger), clock, { logger });
      const [done, dead] = await writer.run(async (unit) => {
        const made = [
          await enqueueJob(unit, { type: 'old', payload: null, key: 'old:done' }),
          await enqueueJob(unit, { type: 'old', payload: null, key: 'old:dead' }),
        ];
        await unit.db
          .updateTable('jobs')
          .set({ state: 'done', finished_at: unit.now })
          .where('id', '=', made[0]!)
          .execute();
        await unit.db
          .updateTable('jobs')
          .set({ state: 'dead', finished_at: unit.now })
          .where('id', '=', made[1]!)
          .execute();
        return made;
      });
      clock.advance(1_000);
      assert.equal(await writer.run((unit) => purgeDoneJobs(unit, unit.now - 5_000)), 0);
      clock.advance(10_000);
      assert.equal(await writer.run((unit) => purgeDoneJobs(unit, unit.now - 5_000)), 1);
      const left = await store.db
        .selectFrom('jobs')
        .select('id')
        .where('id', 'in', [done!, dead!])
        .execute();
      assert.deepEqual(
        left.map((r) => r.id),
        [dead],
      );
      const again = await writer.run((unit) =>
        enqueueJob(unit, { type: 'old', payload: null, key: 'old:done' }),
      );
      assert.notEqual(again, done);
    });

    test('two nodes racing over 200 jobs never run one twice', async () => {
      const other =
        database.name === 'postgres' ? openStore({ databaseUrl: await addressOf(store) }) : store;
      try {
        const nodes = [store, other].map((s) =>
          createWriter(s.db, inProcessBus(logger), systemClock, { logger }),
        );
        const ids = await nodes[0]!.run(async (unit) => {
          const made: number[] = [];
          for (let i = 0; i < 200; i++)
            made.push(await enqueueJob(unit, { type: 'race', payload: { i } }));
          return made;
        });
        const runs = new Map<number, number>();
        const byNode = [0, 0];
        const handlerFor =
          (node: number): JobHandler =>
          async (job) => {
            runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
            byNode[node]!++;
            await new Promise((resolve) => setImmediate(resolve));
          };
        const pool = nodes.map((writer, node) =>
          workers(writer, { race: handlerFor(node) }, { concurrency: 8 }),
        );
        await waitFor('all 200 done', async () => {
          const row = await store.db
            .selectFrom('jobs')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('type', '=', 'race')
            .where('state', '=', 'done')
            .executeTakeFirstOrThrow();
          return Number(row.n) === 200;
        });
        await Promise.all(pool.map((w) => w.stop()));
        assert.equal(runs.size, 200);
        assert.deepEqual(
          [...runs.keys()].sort((a, b) => a - b),
          ids,
        );
        assert.deepEqual(
          [...runs.entries()].filter(([, n]) => n !== 1),
          [],
          'jobs that ran more than once',
        );
        assert.ok(byNode[0]! > 0 && byNode[1]! > 0, `both nodes worked: ${byNode.join(' / ')}`);
      } finally {
        if (other !== store) await other.close();
      }
    });

    test('a worker killed with SIGKILL mid-job: after its lease the job runs once more and the provider sees one message', async () => {
      const keys = new Set<string>();
      let requests = 0;
      const provider = http.createServer((request, response) => {
        requests++;
        keys.add(String(request.headers['idempotency-key']));
        request.resume();
        request.on('end', () => response.writeHead(202).end('{"id":"provider-1"}'));
      });
      provider.listen(0, '127.0.0.1');
      await once(provider, 'listening');
      const providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/messages`;
      const leaseMs = 1_000;
      try {
        const writer = createWriter(store.db, inProcessBus(logger), systemClock, { logger });
        const id = await writer.run((unit) =>
          enqueueJob(unit, { type: 'send', payload: { text: 'Hello' }, key: 'send:kill-9' }),
        );
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            fileURLToPath(new URL('./hanging-worker.fixture.ts', import.meta.url)),
          ],
          {
            env: {
              ...process.env,
              JOBS_DATABASE: await addressOf(store),
              JOBS_PROVIDER_URL: providerUrl,
              JOBS_LEASE_MS: String(leaseMs),
            },
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        await waitFor(
          'the child inside the handler',
          async () => out.includes(`in-handler ${id}`),
          30_000,
        );
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
        const killed = await jobRow(id);
        assert.equal(killed.state, 'running', 'the killed claim should still hold');

        let ranHere = 0;
        let ranAt = 0;
        const w = workers(
          writer,
          {
            async send(job) {
              ranHere++;
              ranAt = Date.now();
              const answer = await fetch(providerUrl, {
                method: 'POST',
                headers: { 'idempotency-key': job.key ?? '' },
                body: JSON.stringify(job.payload),
              });
              if (!answer.ok) throw new Error(`provider answered ${answer.status}`);
            },
          },
          { leaseMs, pollMs: 20 },
        );
        const done = await jobWhen(id, (r) => r.state === 'done');
        await w.stop();
        assert.equal(ranHere, 1);
        assert.ok(ranAt >= killed.lease_until!, 'the job ran again before the lease ran out');
        assert.equal(done.attempts, 2, 'the killed run counts as an attempt');
        assert.equal(
          requests,
          2,
          'the provider was called by the killed worker and by the new one',
        );
        assert.deepEqual([...keys], ['send:kill-9'], 'the provider sees one message');
      } finally {
        provider.close();
      }
    });
  });
}
