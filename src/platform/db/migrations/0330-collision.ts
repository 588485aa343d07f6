import type { AreaMigration } from './area-migration.ts';

/**
 * Collision awareness and alerts: who is on a case right now (one row per case and advisor, alive
 * until `expires_at`, so a browser that went away drops out by itself and every node reads the same
 * rows), and each advisor's own alert settings (sound, desktop notification, tab title).
 */
export const collisionMigration: AreaMigration = {
  async up(db, { bigType: big }) {
    await db.schema
      .createTable('case_presence')
      .addColumn('conversation_id', big, (c) =>
        c.notNull().references('conversations.id').onDelete('cascade'),
      )
      .addColumn('advisor_id', big, (c) =>
        c.notNull().references('advisors.id').onDelete('cascade'),
      )
      .addColumn('typing_until', big, (c) => c.notNull())
      .addColumn('expires_at', big, (c) => c.notNull())
      .addPrimaryKeyConstraint('case_presence_pk', ['conversation_id', 'advisor_id'])
      .execute();
    await db.schema
      .createIndex('case_presence_by_expiry')
      .on('case_presence')
      .column('expires_at')
      .execute();
    await db.schema
      .createTable('advisor_settings')
      .addColumn('advisor_id', big, (c) =>
        c.primaryKey().references('advisors.id').onDelete('cascade'),
      )
      .addColumn('alerts', 'text', (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();
  },
};
