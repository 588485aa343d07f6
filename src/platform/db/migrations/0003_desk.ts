import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../connect.ts';

// Migrations receive Kysely<any> by design: they describe tables that the typed schema does not know yet.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** Tables of the desk's areas: macros (insights' service-level policies ride along). */
export function deskMigration(dialect: Dialect): Migration {
  const id = dialect === 'postgres' ? 'bigserial' : 'integer';
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('macros')
        .addColumn('id', id, (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_by', big, (c) => c.references('advisors.id'))
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();

      // One row per channel once an administrator changes its promise; absent rows use the defaults.
      await db.schema
        .createTable('service_level_policies')
        .addColumn('channel', 'text', (c) => c.primaryKey())
        .addColumn('threshold_ms', big, (c) => c.notNull())
        .addColumn('target_fraction', 'real', (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();
    },
  };
}
