import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { sql } from 'kysely';
import { testDatabases } from '../../../test/databases.ts';

const postgres = (await testDatabases()).find((db) => db.name === 'postgres')!;

describe('a PostgreSQL store whose server ends a connection', { skip: postgres.skip }, () => {
  test('an idle connection killed by the server neither ends the process nor the next query', async () => {
    const store = await postgres.open();
    try {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db);
      const warned = once(process, 'warning');
      // Another session ends ours while it sits idle in the pool, as a restart or an admin would.
      const other = postgres.reopen(store)!;
      await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(other.db);
      await other.close();
      const [warning] = (await warned) as [Error];
      assert.match(warning.message, /closed an idle connection/);
      const after = await sql<{ one: number }>`select 1 as one`.execute(store.db);
      assert.equal(after.rows[0]!.one, 1);
    } finally {
      await store.close();
    }
  });
});
