import type { AreaMigration } from './area-migration.ts';

/** Cases, their tags and interactions, and the full-text index of interactions. */
export const conversationsMigration: AreaMigration = {
  async up(db, dialect) {
    const { idType: id, bigType: big } = dialect;
    await db.schema
      .createTable('conversations')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('customer_id', big, (c) => c.notNull().references('customers.id'))
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('owner_id', big, (c) => c.references('advisors.id'))
      .addColumn('team_id', big, (c) => c.references('teams.id'))
      .addColumn('shop_id', big, (c) => c.references('shops.id'))
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('origin_channel', 'text', (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .addColumn('last_interaction_at', big, (c) => c.notNull())
      .addColumn('resolved_at', big)
      // A snooze is in force while snoozed_until is ahead and the customer has not written since snoozed_at.
      .addColumn('snoozed_until', big)
      .addColumn('snoozed_at', big)
      .execute();
    // A customer's cases newest first: finding their active case scans only their own cases.
    await db.schema
      .createIndex('conversations_by_customer')
      .on('conversations')
      .columns(['customer_id', 'last_interaction_at'])
      .execute();
    await db.schema
      .createIndex('conversations_by_status')
      .on('conversations')
      .columns(['status', 'last_interaction_at'])
      .execute();
    await db.schema
      .createIndex('conversations_by_team')
      .on('conversations')
      .columns(['team_id', 'status', 'last_interaction_at'])
      .execute();
    await db.schema
      .createIndex('conversations_by_owner')
      .on('conversations')
      .columns(['owner_id', 'status'])
      .execute();

    await db.schema
      .createTable('conversation_tags')
      .addColumn('conversation_id', big, (c) => c.notNull().references('conversations.id'))
      .addColumn('tag', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('conversation_tags_pk', ['conversation_id', 'tag'])
      .execute();
    await db.schema
      .createIndex('conversation_tags_by_tag')
      .on('conversation_tags')
      .column('tag')
      .execute();

    await db.schema
      .createTable('interactions')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('conversation_id', big, (c) => c.notNull().references('conversations.id'))
      .addColumn('customer_id', big, (c) => c.notNull().references('customers.id'))
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('author_type', 'text', (c) => c.notNull())
      .addColumn('author_id', big)
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('html', 'text')
      .addColumn('attachments', 'text', (c) => c.notNull())
      .addColumn('provider', 'text')
      .addColumn('provider_id', 'text')
      .addColumn('is_private', 'integer', (c) => c.notNull())
      .addColumn('delivery_state', 'text', (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      // Re-delivered webhooks carry the same provider id: the database refuses the copy.
      .addUniqueConstraint('interactions_unique_provider_id', ['provider', 'provider_id'])
      .execute();
    await db.schema
      .createIndex('interactions_timeline')
      .on('interactions')
      .columns(['customer_id', 'created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('interactions_by_conversation')
      .on('interactions')
      .columns(['conversation_id', 'created_at'])
      .execute();

    await dialect.createTextSearch(db, 'interactions');
  },
};
