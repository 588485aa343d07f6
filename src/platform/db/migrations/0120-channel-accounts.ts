import type { AreaMigration } from './area-migration.ts';

/**
 * Channel accounts (mailboxes, phone numbers, pages, widgets, shops), several per channel;
 * interactions record the account, addresses and provider thread they used.
 */
export const channelAccountsMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema
      .createTable('channel_accounts')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('signature', 'integer', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('team_id', big, (c) => c.references('teams.id'))
      .addColumn('settings', 'text', (c) => c.notNull())
      // One sealed JSON object of every secret (AES-256-GCM under RAPPORT_SECRET_KEY); null when none.
      .addColumn('secrets', 'text')
      // The names of the secrets set (JSON array), so the API can say which are set without the key.
      .addColumn('secret_names', 'text', (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      // A provider's inbound request names the address it was sent to: one account per address
      // and channel (one Twilio number serves voice and SMS as two accounts).
      .addUniqueConstraint('channel_accounts_unique_address', ['channel', 'provider', 'address'])
      .execute();
    await db.schema
      .createIndex('channel_accounts_by_channel')
      .on('channel_accounts')
      .columns(['channel', 'enabled'])
      .execute();

    await db.schema
      .alterTable('interactions')
      .addColumn('account_id', big, (c) => c.references('channel_accounts.id'))
      .execute();
    await db.schema.alterTable('interactions').addColumn('from_address', 'text').execute();
    await db.schema.alterTable('interactions').addColumn('to_address', 'text').execute();
    await db.schema.alterTable('interactions').addColumn('cc', 'text').execute();
    await db.schema.alterTable('interactions').addColumn('thread_id', 'text').execute();
    // A provider's thread (an email's Message-ID chain) finds its case again.
    await db.schema
      .createIndex('interactions_by_thread')
      .on('interactions')
      .columns(['account_id', 'thread_id'])
      .execute();
  },
};
