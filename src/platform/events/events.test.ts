import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { testDatabases } from '../../../test/databases.ts';
import { migrate, type Store } from '../db/connect.ts';
import { createWriter, type Unit } from '../db/writer.ts';
import { manualClock, systemClock } from '../clock.ts';
import { inProcessBus, type EventBus } from './bus.ts';
import { systemActor, type DomainEvent } from './event.ts';
import { startEventSweeper, sweepUnpublished } from './sweeper.ts';

const databases = await testDatabases();

/** A logger whose lines the test can read. */
function capturingLogger(): { logger: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** A bus that can be told to refuse or never answer, in front of an in-process bus. */
function unreliableBus(logger: Logger): EventBus & { mode: 'ok' | 'reject' | 'hang' } {
  const inner = inProcessBus(logger);
  const bus = {
    mode: 'ok' as 'ok' | 'reject' | 'hang',
    publish(events: readonly DomainEvent[]) {
      if (bus.mode === 'reject') return Promise.reject(new Error('NATS connection closed'));
      if (bus.mode === 'hang') return new Promise<void>(() => {});
      return inner.publish(events);
    },
    subscribe: inner.subscribe,
    close: inner.close,
  };
  return bus;
}

async function waitFor(what: string, probe: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Collects what the process would have crashed on, for the length of one test. */
function watchProcess(): { problems: unknown[]; stop(): void } {
  const problems: unknown[] = [];
  const onProblem = (error: unknown) => problems.push(error);
  process.on('unhandledRejection', onProblem);
  process.on('uncaughtException', onProblem);
  return {
    problems,
    stop() {
      process.off('unhandledRejection', onProblem);
      process.off('uncaughtException', onProblem);
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

for (const database of databases) {
  describe(`publishing events on ${database.name}`, { skip: database.skip }, () => {
    let store: Store;
    before(async () => {
      store = await database.open();
      await migrate(store);
    });
    after(async () => store.close());

    const addTeam = (name: string) => async (unit: Unit) => {
      const row = await unit.db
        .insertInto('teams')
        .values({ name, kind: 'contact_centre', created_at: unit.now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await unit.record({
        type: 'team.created',
        actor: systemActor,
        entity: { type: 'team', id: row.id },
        after: { name },
      });
      return row.id;
    };

    const unpublished = async (entityIds: number[]) =>
      (
        await store.db
          .selectFrom('events')
          .select('entity_id')
          .where('entity_type', '=', 'team')
          .where('entity_id', 'in', entityIds)
          .where('published_at', 'is', null)
          .execute()
      ).map((r) => r.entity_id);

    test('a bus that refuses after commit: the units still resolve, the failure is logged, and the sweeper publishes later', async () => {
      const { logger, lines } = capturingLogger();
      const bus = unreliableBus(logger);
      const heard: number[] = [];
      bus.subscribe((event) => heard.push(event.entity.id));
      const writer = createWriter(store.db, bus, systemClock, { logger });
      const watch = watchProcess();
      bus.mode = 'reject';
      const ids = await Promise.all([
        writer.run(addTeam('Refused A')),
        writer.run(addTeam('Refused B')),
      ]);
      await writer.drain();
      await tick();
      watch.stop();
      assert.deepEqual(watch.problems, [], 'an unhandled rejection or exception escaped');
      assert.equal(
        lines.filter((l) => l.msg.startsWith('publishing committed events failed')).length,
        1,
      );
      assert.equal(heard.length, 0, 'nothing was heard while the bus refused');
      assert.deepEqual((await unpublished(ids)).sort(), [...ids].sort());

      // The bus is back: the run-time sweeper publishes what was left, and marks it.
      bus.mode = 'ok';
      const sweeper = startEventSweeper({
        db: store.db,
        dialect: store.dialect,
        bus,
        clock: systemClock,
        logger,
        intervalMs: 20,
        olderThanMs: 0,
      });
      await waitFor('the sweeper to publish', () => ids.every((id) => heard.includes(id)));
      await sweeper.stop();
      assert.deepEqual(await unpublished(ids), []);
      assert.deepEqual(heard.filter((id) => ids.includes(id)).sort(), [...ids].sort());
    });

    test('a bus that never answers does not hang the request: the unit resolves after the publish timeout', async () => {
      const { logger, lines } = capturingLogger();
      const bus = unreliableBus(logger);
      bus.mode = 'hang';
      const writer = createWriter(store.db, bus, systemClock, { logger, publishTimeoutMs: 50 });
      const started = Date.now();
      const id = await writer.run(addTeam('Stuck bus'));
      assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
      assert.deepEqual(await unpublished([id]), [id]);
      assert.match(
        JSON.stringify(lines),
        /did not take the events within 50 ms/,
        'the timeout is logged with its reason',
      );
      // Later writes still work on the same writer.
      bus.mode = 'ok';
      assert.ok((await writer.run(addTeam('After the stuck bus'))) > id);
    });

    test('a throwing listener: the others still receive the event, the process survives, the error is logged', async () => {
      const { logger, lines } = capturingLogger();
      const bus = inProcessBus(logger);
      const heard: string[] = [];
      bus.subscribe(() => {
        throw new Error('listener bug');
      });
      bus.subscribe(async () => {
        await Promise.resolve();
        throw new Error('async listener bug');
      });
      bus.subscribe((event) => heard.push((event.after as { name: string }).name));
      const writer = createWriter(store.db, bus, systemClock, { logger });
      const watch = watchProcess();
      const id = await writer.run(addTeam('Heard despite bugs'));
      await writer.run(addTeam('Heard again'));
      await writer.drain();
      await tick();
      watch.stop();
      assert.deepEqual(watch.problems, [], 'a listener failure escaped to the process');
      assert.deepEqual(heard, ['Heard despite bugs', 'Heard again']);
      const failures = lines.filter((l) => l.msg === 'an event listener failed');
      assert.equal(failures.length, 4, 'each failure of each listener is logged');
      assert.ok(failures.every((l) => l.level === 50));
      // A listener's failure is not a publish failure: the events are marked published.
      assert.deepEqual(await unpublished([id]), []);
    });

    test('the sweeper republishes committed events left unmarked, once they are old enough, and marks them', async () => {
      const clock = manualClock();
      const bus = inProcessBus(pino({ level: 'silent' }));
      const heard: number[] = [];
      bus.subscribe((event) => heard.push(event.id));
      const insert = (createdAt: number) =>
        store.db
          .insertInto('events')
          .values({
            type: 'team.created',
            actor_type: 'system',
            actor_id: null,
            entity_type: 'team',
            entity_id: 900_000 + createdAt - clock.now(),
            customer_id: null,
            conversation_id: null,
            team_id: null,
            shop_id: null,
            owner_id: null,
            before: null,
            after: JSON.stringify({ name: 'left over' }),
            created_at: createdAt,
            published_at: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
      // Committed by a node that died between its commit and its publish.
      const old = await insert(clock.now() - 10_000);
      const young = await insert(clock.now() - 1_000);
      const swept = await sweepUnpublished({
        db: store.db,
        dialect: store.dialect,
        bus,
        clock,
        olderThanMs: 5_000,
      });
      assert.ok(swept >= 1);
      assert.ok(heard.includes(old.id));
      assert.ok(!heard.includes(young.id), 'an event the writer may still mark was republished');
      clock.advance(4_000);
      await sweepUnpublished({
        db: store.db,
        dialect: store.dialect,
        bus,
        clock,
        olderThanMs: 5_000,
      });
      assert.ok(heard.includes(young.id));
      const left = await store.db
        .selectFrom('events')
        .select('id')
        .where('id', 'in', [old.id, young.id])
        .where('published_at', 'is', null)
        .execute();
      assert.deepEqual(left, []);
      // Once marked, an event is not published again.
      const before = heard.length;
      await sweepUnpublished({ db: store.db, dialect: store.dialect, bus, clock, olderThanMs: 0 });
      assert.equal(heard.length, before);
      assert.equal(heard.filter((id) => id === old.id).length, 1);
    });
  });
}
