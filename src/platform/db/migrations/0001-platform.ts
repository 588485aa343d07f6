import type { AreaMigration } from './area-migration.ts';

/** What every area leans on: the audit log that doubles as the outbox, and idempotency keys. */
export const platformMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema
      .createTable('events')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('actor_type', 'text', (c) => c.notNull())
      .addColumn('actor_id', big)
      .addColumn('entity_type', 'text', (c) => c.notNull())
      .addColumn('entity_id', big, (c) => c.notNull())
      .addColumn('customer_id', big)
      .addColumn('conversation_id', big)
      .addColumn('team_id', big)
      .addColumn('shop_id', big)
      .addColumn('owner_id', big)
      .addColumn('before', 'text')
      .addColumn('after', 'text')
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('published_at', big)
      .execute();
    await db.schema
      .createIndex('events_by_entity')
      .on('events')
      .columns(['entity_type', 'entity_id'])
      .execute();
    await db.schema.createIndex('events_by_customer').on('events').column('customer_id').execute();
    // The index of unpublished events, which the sweeper reads, comes with the jobs (0100-jobs.ts).

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('status_code', 'integer', (c) => c.notNull())
      .addColumn('response_body', 'text', (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['actor', 'key'])
      .execute();
  },
};
