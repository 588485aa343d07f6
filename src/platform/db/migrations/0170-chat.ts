import type { AreaMigration } from './area-migration.ts';

/**
 * Live chat: the website's visitors (who they are, their current chat case, how far each side has
 * read), the pages they were seen on (the last 50 each), and the key that signs visitor tokens when
 * `RAPPORT_SECRET_KEY` is not set. A visitor's messages are interactions (provider `widget`,
 * provider id `<visitorId>:<clientId>`, unique already), so they need no table of their own.
 */
export const chatMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema
      .createTable('chat_visitors')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('account_id', big, (c) => c.notNull().references('channel_accounts.id'))
      // Set in the unit that creates the visitor (the customer's identity names the visitor's id).
      .addColumn('customer_id', big, (c) => c.references('customers.id'))
      // The company's own id of a signed-in user, verified by their HMAC; null for an anonymous visitor.
      .addColumn('user_id', 'text')
      .addColumn('conversation_id', big, (c) => c.references('conversations.id'))
      .addColumn('visitor_read_up_to', big, (c) => c.notNull().defaultTo(0))
      .addColumn('advisor_read_up_to', big, (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('last_seen_at', big, (c) => c.notNull())
      .execute();
    // One visitor per verified user and account (several devices share the chat); nulls never clash.
    await db.schema
      .createIndex('chat_visitors_by_user')
      .on('chat_visitors')
      .columns(['account_id', 'user_id'])
      .unique()
      .execute();
    await db.schema
      .createIndex('chat_visitors_by_conversation')
      .on('chat_visitors')
      .column('conversation_id')
      .execute();
    await db.schema
      .createIndex('chat_visitors_by_customer')
      .on('chat_visitors')
      .column('customer_id')
      .execute();

    await db.schema
      .createTable('chat_pages')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('visitor_id', big, (c) => c.notNull().references('chat_visitors.id'))
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('referrer', 'text')
      .addColumn('at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('chat_pages_by_visitor')
      .on('chat_pages')
      .columns(['visitor_id', 'id'])
      .execute();

    await db.schema
      .createTable('chat_keys')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .execute();
  },
};
