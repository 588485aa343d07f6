import type { AreaMigration } from './area-migration.ts';

/**
 * Customer merges (src/customers/merges.ts): who merged which record into which, when, exactly what
 * moved (ids of identities, cases, interactions, work items) and the kept record's fields before,
 * so a supervisor can undo the merge within the undo window.
 */
export const customerMergesMigration: AreaMigration = {
  async up(db, dialect) {
    const { idType: id, bigType: big } = dialect;
    await db.schema
      .createTable('customer_merges')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('target_id', big, (c) => c.notNull().references('customers.id'))
      .addColumn('source_id', big, (c) => c.notNull().references('customers.id'))
      .addColumn('merged_by', big, (c) => c.references('advisors.id'))
      .addColumn('merged_at', big, (c) => c.notNull())
      .addColumn('moved', 'text', (c) => c.notNull())
      .addColumn('target_before', 'text', (c) => c.notNull())
      .addColumn('undone_at', big)
      .addColumn('undone_by', big, (c) => c.references('advisors.id'))
      .execute();
    await db.schema
      .createIndex('customer_merges_by_target')
      .on('customer_merges')
      .column('target_id')
      .execute();
  },
};
