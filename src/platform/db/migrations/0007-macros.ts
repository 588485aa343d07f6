import type { AreaMigration } from './area-migration.ts';

/** Advisors' saved replies. */
export const macrosMigration: AreaMigration = {
  async up(db, { name, idType: id, bigType: big }) {
    await db.schema
      .createTable('macros')
      // AUTOINCREMENT on SQLite: a deleted macro's id is never handed to a new one.
      .addColumn('id', id, (c) =>
        name === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_by', big, (c) => c.references('advisors.id'))
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();
  },
};
