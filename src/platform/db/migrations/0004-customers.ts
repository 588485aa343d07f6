import { sql } from 'kysely';
import type { AreaMigration } from './area-migration.ts';

/** Customers, their identities, and the full-text index of their names and identities. */
export const customersMigration: AreaMigration = {
  async up(db, dialect) {
    const { idType: id, bigType: big } = dialect;
    await db.schema
      .createTable('customers')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('language', 'text')
      .addColumn('consent', 'text', (c) => c.notNull())
      .addColumn('owner_id', big, (c) => c.references('advisors.id'))
      .addColumn('last_advisor_id', big, (c) => c.references('advisors.id'))
      .addColumn('merged_into_id', big, (c) => c.references('customers.id'))
      .addColumn('erased_at', big)
      .addColumn('search_text', 'text', (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();
    // The customer list: those still listed (not merged, not erased), most recently changed first,
    // keyset on (updated_at, id). Partial, so the list walks the index without skipping rows.
    await sql`create index customers_listed on customers (updated_at, id) where merged_into_id is null and erased_at is null`.execute(
      db,
    );

    // Identity uniqueness lives in the database: concurrent inbound contacts cannot create twins.
    await db.schema
      .createTable('identities')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('customer_id', big, (c) => c.notNull().references('customers.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('network', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .addUniqueConstraint('identities_unique_value', ['kind', 'network', 'value'])
      .execute();
    await db.schema
      .createIndex('identities_by_customer')
      .on('identities')
      .column('customer_id')
      .execute();

    await dialect.createTextSearch(db, 'customers');
  },
};
