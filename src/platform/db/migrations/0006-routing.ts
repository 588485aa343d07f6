import { sql } from 'kysely';
import type { AreaMigration } from './area-migration.ts';

/** Routing: advisors' presence and capacity, the work items routing hands out, service-level promises. */
export const routingMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema
      .createTable('advisor_states')
      .addColumn('advisor_id', big, (c) => c.primaryKey().references('advisors.id'))
      .addColumn('presence', 'text', (c) => c.notNull())
      .addColumn('capacity', 'text', (c) => c.notNull())
      .addColumn('idle_since', big, (c) => c.notNull())
      .addColumn('recovery_until', big)
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('work_items')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('conversation_id', big, (c) => c.notNull().references('conversations.id'))
      .addColumn('customer_id', big, (c) => c.notNull().references('customers.id'))
      .addColumn('team_id', big)
      .addColumn('shop_id', big)
      .addColumn('skills', 'text', (c) => c.notNull())
      .addColumn('language', 'text')
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('hard', 'integer', (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('deadline_at', big, (c) => c.notNull())
      .addColumn('preferred_advisor_id', big)
      .addColumn('affinity_until', big)
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('advisor_id', big, (c) => c.references('advisors.id'))
      .addColumn('offered_at', big)
      .addColumn('offer_expires_at', big)
      .addColumn('accepted_at', big)
      .addColumn('completed_at', big)
      .addColumn('callback_number', 'text')
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('work_items_by_status')
      .on('work_items')
      .columns(['status', 'deadline_at'])
      .execute();
    await db.schema
      .createIndex('work_items_by_advisor')
      .on('work_items')
      .columns(['advisor_id', 'status'])
      .execute();
    // A plain index too: the partial one below cannot serve lookups whose statuses are parameters.
    await db.schema
      .createIndex('work_items_by_conversation')
      .on('work_items')
      .column('conversation_id')
      .execute();
    // At most one live work item per case: a second message on the same case joins the first.
    await sql`create unique index work_items_one_live_per_conversation on work_items (conversation_id) where status in ('waiting', 'offered', 'assigned')`.execute(
      db,
    );

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
