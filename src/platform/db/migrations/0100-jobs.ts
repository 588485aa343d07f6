import { sql } from 'kysely';
import type { AreaMigration } from './area-migration.ts';

/** The durable job queue, and the index the run-time event sweeper reads. */
export const jobsMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema
      .createTable('jobs')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      // Idempotency: enqueueing the same key twice makes one job (NULLs never clash).
      .addColumn('key', 'text', (c) => c.unique())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('run_at', big, (c) => c.notNull())
      .addColumn('lease_until', big)
      .addColumn('locked_by', 'text')
      .addColumn('last_error', 'text')
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .addColumn('finished_at', big)
      .execute();
    // Claims read due jobs by state and time; admins list by state.
    await db.schema.createIndex('jobs_due').on('jobs').columns(['state', 'run_at']).execute();
    // The event sweeper looks for unpublished events every few seconds. A partial index holds only
    // those (a handful at any moment), so the sweep never scans the audit trail.
    await sql`create index events_unpublished on events (id) where published_at is null`.execute(
      db,
    );
  },
};
