import type { AreaMigration } from './area-migration.ts';

/** Advisors' saved replies. */
export const macrosMigration: AreaMigration = {
  async up(db, dialect) {
    const { idType: id, bigType: big } = dialect;
    await db.schema
      .createTable('macros')
      // A deleted macro's id is never handed to a new one.
      .addColumn('id', id, (c) => dialect.neverReusedKey(c))
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_by', big, (c) => c.references('advisors.id'))
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();
  },
};
