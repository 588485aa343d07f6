// The queries that would read whole tables without an index: each one's plan names its index, on
// both databases. The queries are captured from the domain functions themselves, not copied.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, sql, type Kysely, type RootOperationNode } from 'kysely';
import { testDatabases } from './databases.ts';
import { migrate, type Store } from '../src/platform/db/connect.ts';
import type { Database } from '../src/platform/db/schema.ts';
import { createWriter, publishLeftovers } from '../src/platform/db/writer.ts';
import { inProcessBus } from '../src/platform/events/bus.ts';
import { manualClock } from '../src/platform/clock.ts';
import { listCustomers } from '../src/customers/customers.ts';
import { openSession } from '../src/advisors/advisors.ts';

const databases = await testDatabases();

/** A handle on the store's database that remembers every query it runs, compiled. */
function recording(store: Store): { db: Kysely<Database>; queries: CompiledQuery[] } {
  const queries: CompiledQuery[] = [];
  const executor = store.db.getExecutor();
  const db = store.db.withPlugin({
    transformQuery({ node, queryId }) {
      queries.push(executor.compileQuery(node as RootOperationNode, queryId));
      return node;
    },
    transformResult: ({ result }) => Promise.resolve(result),
  });
  return { db, queries };
}

for (const database of databases) {
  describe(`indexes on ${database.name}`, { skip: database.skip }, () => {
    let store: Store;
    const clock = manualClock(Date.UTC(2026, 0, 5, 9));

    before(async () => {
      store = await database.open();
      await migrate(store);
    });
    after(async () => store.close());

    /** The query plan as text; on PostgreSQL with sequential scans priced out, so a usable index shows. */
    async function planOf(query: CompiledQuery): Promise<string> {
      if (store.dialect.name === 'sqlite') {
        const rows = await store.db.executeQuery<{ detail: string }>(
          CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
        );
        return rows.rows.map((r) => r.detail).join('\n');
      }
      return store.db.transaction().execute(async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        const rows = await trx.executeQuery<{ 'QUERY PLAN': string }>(
          CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]),
        );
        return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    }

    function find(queries: readonly CompiledQuery[], pattern: RegExp): CompiledQuery {
      const query = queries.find((q) => pattern.test(q.sql));
      assert.ok(query, `no query matched ${pattern}: ${queries.map((q) => q.sql).join('\n')}`);
      return query;
    }

    test('the customer list walks the index of listed customers, first page and later pages', async () => {
      const { db, queries } = recording(store);
      const lead = { id: 1, role: 'supervisor', teamId: null, shopId: null, name: 'Lead' } as const;
      await listCustomers(db, lead, { limit: 25 });
      await listCustomers(db, lead, { limit: 25, before: { updatedAt: clock.now(), id: 1000 } });
      const lists = queries.filter((q) => /order by "updated_at" desc/.test(q.sql));
      assert.equal(lists.length, 2);
      for (const query of lists) assert.match(await planOf(query), /customers_listed/);
    });

    test('session clean-up finds expired sessions by their expiry', async () => {
      const advisor = await store.db
        .insertInto('advisors')
        .values({
          name: 'Ana',
          email: 'ana@example.test',
          role: 'advisor',
          team_id: null,
          shop_id: null,
          password_hash: null,
          languages: '[]',
          skills: '[]',
          active: 1,
          created_at: clock.now(),
          updated_at: clock.now(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const { db, queries } = recording(store);
      const writer = createWriter(db, inProcessBus(), clock);
      await writer.run((unit) => openSession(unit, advisor.id, 3_600_000));
      await writer.drain();
      assert.match(await planOf(find(queries, /^delete from "sessions"/)), /sessions_by_expiry/);
    });

    test('the start-up sweep finds unpublished events by the partial index', async () => {
      const { db, queries } = recording(store);
      await publishLeftovers(db, inProcessBus(), clock, store.dialect);
      const sweep = find(queries, /"published_at" is null/);
      assert.match(await planOf(sweep), /events_unpublished/);
    });
  });
}
