import { sql } from 'kysely';
import type { AreaMigration } from './area-migration.ts';

/** Shops, their weekly hours, and which shop an advisor works in. */
export const shopsMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema
      .createTable('shops')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('city', 'text', (c) => c.notNull())
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('team_id', big, (c) => c.references('teams.id'))
      .addColumn('created_at', big, (c) => c.notNull())
      .execute();

    await db.schema
      .alterTable('advisors')
      .addColumn('shop_id', big, (c) => c.references('shops.id'))
      .execute();

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
  },
};
