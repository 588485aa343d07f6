import type { AreaMigration } from './area-migration.ts';

/** How each channel shows on the desk and whether advisors may answer on it. */
export const channelsMigration: AreaMigration = {
  async up(db, { bigType: big }) {
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
