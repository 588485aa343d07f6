import type { AreaMigration } from './area-migration.ts';

/**
 * Email: every message's raw source and attachment kept by content hash, so nothing is lost even
 * when parsing fails; one row per Message-ID with its threading headers and what was found in it;
 * a reply token per case for its reply address; an interaction's own subject.
 */
export const emailMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big, bytesType: bytes }) {
    await db.schema
      .createTable('blobs')
      .addColumn('sha256', 'text', (c) => c.primaryKey())
      .addColumn('size', big, (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('bytes', bytes, (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('email_messages')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('account_id', big, (c) => c.references('channel_accounts.id'))
      .addColumn('message_id', 'text', (c) => c.notNull().unique())
      .addColumn('raw_sha256', 'text', (c) => c.notNull().references('blobs.sha256'))
      .addColumn('via', 'text', (c) => c.notNull())
      .addColumn('envelope_from', 'text')
      .addColumn('envelope_to', 'text')
      .addColumn('interaction_id', big, (c) => c.references('interactions.id'))
      .addColumn('in_reply_to', 'text')
      .addColumn('references', 'text', (c) => c.notNull())
      .addColumn('reply_to', 'text')
      .addColumn('authentication', 'text', (c) => c.notNull())
      .addColumn('problems', 'text', (c) => c.notNull())
      .addColumn('remote_images', 'integer', (c) => c.notNull())
      .addColumn('automated_reason', 'text')
      .addColumn('created_at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('email_messages_by_interaction')
      .on('email_messages')
      .column('interaction_id')
      .execute();

    await db.schema
      .createTable('reply_tokens')
      .addColumn('token', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', big, (c) => c.notNull().unique().references('conversations.id'))
      .addColumn('created_at', big, (c) => c.notNull())
      .execute();

    await db.schema.alterTable('interactions').addColumn('subject', 'text').execute();
  },
};
