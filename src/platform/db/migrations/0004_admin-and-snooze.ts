import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../connect.ts';

// Migrations receive Kysely<any> by design: they describe tables that the typed schema does not know yet.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** Snoozed cases, shops' weekly business hours and channels' settings. */
export function adminAndSnoozeMigration(dialect: Dialect): Migration {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<any>) {
      // A snooze is in force while snoozed_until is ahead and the customer has not written since snoozed_at.
      await db.schema.alterTable('conversations').addColumn('snoozed_until', big).execute();
      await db.schema.alterTable('conversations').addColumn('snoozed_at', big).execute();

      // One opening per weekday (ISO 1 = Monday … 7 = Sunday) in the shop's local time; no row = closed.
      await db.schema
        .createTable('shop_hours')
        .addColumn('shop_id', big, (c) => c.notNull().references('shops.id'))
        .addColumn('weekday', 'integer', (c) => c.notNull())
        .addColumn('opens', 'text', (c) => c.notNull())
        .addColumn('closes', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('shop_hours_pk', ['shop_id', 'weekday'])
        .addCheckConstraint('shop_hours_weekday', sql`weekday between 1 and 7`)
        .execute();

      // One row per channel once an administrator changes it; absent rows use the defaults.
      await db.schema
        .createTable('channel_settings')
        .addColumn('channel', 'text', (c) => c.primaryKey())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('signature', 'integer', (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();
    },
  };
}
