import type { AreaMigration } from './area-migration.ts';

/**
 * Delivery states with history: every step of an outbound interaction (queued, sending, sent,
 * delivered, read, failed) with its reason and provider; when a reply was sent (the moment it counts
 * as an answer); whether a contact came from a machine (auto-replies, echoes: never routed).
 */
export const deliveryMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema.alterTable('interactions').addColumn('sent_at', big).execute();
    await db.schema.alterTable('interactions').addColumn('delivery_reason', 'text').execute();
    await db.schema
      .alterTable('interactions')
      .addColumn('automated', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    // Replies that waited for a channel are queued now; those already sent count from when written.
    await db
      .updateTable('interactions')
      .set({ delivery_state: 'queued' })
      .where('delivery_state', '=', 'waiting_for_channel')
      .execute();
    await db
      .updateTable('interactions')
      .set((eb) => ({ sent_at: eb.ref('created_at') }))
      .where('direction', '=', 'outbound')
      .where('delivery_state', 'in', ['sent', 'delivered', 'read'])
      .execute();

    await db.schema
      .createTable('delivery_events')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('interaction_id', big, (c) => c.notNull().references('interactions.id'))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('provider', 'text')
      .addColumn('at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('delivery_events_by_interaction')
      .on('delivery_events')
      .columns(['interaction_id', 'id'])
      .execute();
  },
};
