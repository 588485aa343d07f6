import type { AreaMigration } from './area-migration.ts';

/** Outbound webhooks (src/integrations): subscriptions, their delivery log, the admin's allow-list. */
export const integrationsMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema
      .createTable('webhook_subscriptions')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      // JSON array of exact types (`interaction.received`) and prefixes (`conversation.*`).
      .addColumn('event_types', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull())
      // Sealed with RAPPORT_SECRET_KEY (platform/secrets.ts); never stored in clear.
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('subscription_id', big, (c) =>
        c.notNull().references('webhook_subscriptions.id').onDelete('cascade'),
      )
      // One delivery (one event to one subscription) keeps its id across its attempts.
      .addColumn('delivery_id', 'text', (c) => c.notNull())
      .addColumn('job_id', big, (c) => c.notNull())
      .addColumn('event_id', big, (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      // 'delivered' | 'retrying' | 'failed'.
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('error', 'text')
      .addColumn('response_excerpt', 'text')
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_by_subscription')
      .on('webhook_deliveries')
      .columns(['subscription_id', 'id'])
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_by_delivery')
      .on('webhook_deliveries')
      .columns(['delivery_id'])
      .execute();

    await db.schema
      .createTable('webhook_allow_list')
      .addColumn('entry', 'text', (c) => c.primaryKey())
      .addColumn('created_at', big, (c) => c.notNull())
      .execute();
  },
};
