import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../../test/databases.ts';
import { migrate, type Store } from './connect.ts';
import { createWriter } from './writer.ts';
import { inProcessBus } from '../events/bus.ts';
import { systemClock } from '../clock.ts';
import { systemActor, type DomainEvent } from '../events/event.ts';
import { RetryableConflict } from '../errors.ts';

const databases = await testDatabases();

for (const database of databases) {
  describe(`the write path on ${database.name}`, { skip: database.skip }, () => {
    let store: Store;
    before(async () => {
      store = await database.open();
      await migrate(store);
    });
    after(async () => store.close());

    const addTeam =
      (name: string) =>
      async (unit: Parameters<Parameters<ReturnType<typeof createWriter>['run']>[0]>[0]) => {
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

    test('a failing unit rolls back alone: its rows and events vanish, its neighbours commit and publish', async () => {
      const bus = inProcessBus();
      const published: DomainEvent[] = [];
      bus.subscribe((e) => published.push(e));
      const writer = createWriter(store.db, bus, systemClock);
      const results = await Promise.allSettled([
        writer.run(addTeam('Alpha')),
        writer.run(async (unit) => {
          await addTeam('Doomed')(unit);
          throw new Error('refused half way');
        }),
        writer.run(addTeam('Gamma')),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      const names = (
        await store.db.selectFrom('teams').select('name').orderBy('name').execute()
      ).map((t) => t.name);
      assert.deepEqual(names, ['Alpha', 'Gamma']);
      assert.deepEqual(published.map((e) => (e.after as { name: string }).name).sort(), [
        'Alpha',
        'Gamma',
      ]);
      const events = await store.db.selectFrom('events').select('after').execute();
      assert.equal(
        events.some((e) => e.after?.includes('Doomed')),
        false,
      );
    });

    test('concurrent units share transactions (group commit) and each is published once, after commit', async () => {
      const bus = inProcessBus();
      const published: number[] = [];
      bus.subscribe((e) => published.push(e.entity.id));
      const writer = createWriter(store.db, bus, systemClock);
      const ids = await Promise.all(
        Array.from({ length: 200 }, (_, i) => writer.run(addTeam(`Team ${i}`))),
      );
      await writer.drain();
      assert.equal(new Set(ids).size, 200);
      assert.deepEqual(
        [...published].sort((a, b) => a - b),
        [...ids].sort((a, b) => a - b),
      );
      assert.ok(
        writer.stats().transactions < 50,
        `200 units took ${writer.stats().transactions} transactions`,
      );
      const unpublished = await store.db
        .selectFrom('events')
        .select('id')
        .where('published_at', 'is', null)
        .execute();
      assert.equal(unpublished.length, 0);
    });

    test('a unit that lost a deadlock runs again in a later batch, after the locks are gone', async () => {
      const writer = createWriter(store.db, inProcessBus(), systemClock);
      let attempts = 0;
      const value = await writer.run(async (unit) => {
        attempts++;
        await addTeam(`Deadlocked ${attempts}`)(unit);
        if (attempts === 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        return 'done';
      });
      assert.equal(value, 'done');
      assert.equal(attempts, 2);
      const names = (
        await store.db
          .selectFrom('teams')
          .select('name')
          .where('name', 'like', 'Deadlocked%')
          .execute()
      ).map((t) => t.name);
      assert.deepEqual(names, ['Deadlocked 2']);
      assert.equal(writer.stats().transactions, 2);
    });

    test('a unit that lost a race is retried from the start', async () => {
      const writer = createWriter(store.db, inProcessBus(), systemClock);
      let attempts = 0;
      const value = await writer.run(async () => {
        attempts++;
        if (attempts < 2) throw new RetryableConflict('try again');
        return 'done';
      });
      assert.equal(value, 'done');
      assert.equal(attempts, 2);
    });
  });
}
