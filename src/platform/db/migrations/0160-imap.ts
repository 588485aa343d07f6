import type { AreaMigration } from './area-migration.ts';

/**
 * IMAP polling: per email account, where its mailbox was read up to (UIDVALIDITY + last UID) and
 * whether it answers; per message taken, its UID and Message-ID, so a re-fetch, a crash before the
 * last UID moved on, or a renumbered mailbox (new UIDVALIDITY) never takes a message twice.
 */
export const imapMigration: AreaMigration = {
  async up(db, { bigType: big }) {
    await db.schema
      .createTable('imap_mailboxes')
      .addColumn('account_id', big, (c) => c.primaryKey().references('channel_accounts.id'))
      .addColumn('mailbox', 'text', (c) => c.notNull())
      .addColumn('uid_validity', big)
      .addColumn('last_uid', big, (c) => c.notNull().defaultTo(0))
      // 'connecting' | 'connected' | 'disconnected'.
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('last_success_at', big)
      // When the mailbox went from connected to disconnected; null while it answers.
      .addColumn('disconnected_since', big)
      .addColumn('next_attempt_at', big)
      .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
      // The node polling the mailbox until `lease_until`: two nodes never read one mailbox at once.
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', big)
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('imap_seen')
      .addColumn('account_id', big, (c) => c.notNull().references('channel_accounts.id'))
      .addColumn('uid_validity', big, (c) => c.notNull())
      .addColumn('uid', big, (c) => c.notNull())
      // Normalised as the lead's ingest keys it: the Message-ID without brackets, or
      // `<sha256 of the raw>@rapport.invalid` for a message without one.
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('taken_at', big, (c) => c.notNull())
      .addPrimaryKeyConstraint('imap_seen_pk', ['account_id', 'uid_validity', 'uid'])
      .execute();
    // A renumbered mailbox is read again from the start: its messages are known by Message-ID.
    await db.schema
      .createIndex('imap_seen_by_message_id')
      .on('imap_seen')
      .columns(['account_id', 'message_id'])
      .execute();
  },
};
