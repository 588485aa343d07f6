import type { AreaMigration } from './area-migration.ts';

/**
 * Failed sign-ins, one row per failure and per key (`address:<ip>` and `account:<email>`), held in
 * the database so every node counts the same tries; rows older than the window are deleted as new
 * ones arrive.
 */
export const loginAttemptsMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema
      .createTable('login_attempts')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('login_attempts_by_key')
      .on('login_attempts')
      .columns(['key', 'at'])
      .execute();
    await db.schema.createIndex('login_attempts_by_at').on('login_attempts').column('at').execute();
  },
};
