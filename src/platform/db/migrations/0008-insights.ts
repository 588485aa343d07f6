import type { AreaMigration } from './area-migration.ts';

/** Service-level promises per channel, as administrators set them. */
export const insightsMigration: AreaMigration = {
  async up(db, { bigType: big }) {
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
