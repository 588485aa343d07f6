import type { AreaMigration } from './area-migration.ts';

/**
 * Phone and SMS (src/channels/twilio/): calls and the states they moved through (forward only, a
 * terminal state sticks), each provider call id once; the SMS sends taken by Twilio, by send key, so
 * a repeated send job answers the recorded sid instead of texting twice; and each advisor's line (a
 * phone number or SIP address a call is put through to).
 */
export const callsMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema
      .createTable('calls')
      .addColumn('id', id, (c) => c.primaryKey())
      // 'twilio' or 'pbx' (plain call events), and that system's id for the call.
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('provider_call_id', 'text', (c) => c.notNull())
      .addColumn('account_id', big, (c) => c.references('channel_accounts.id'))
      // 'inbound' | 'outbound'.
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('from_number', 'text', (c) => c.notNull())
      .addColumn('to_number', 'text', (c) => c.notNull())
      .addColumn('customer_id', big, (c) => c.references('customers.id'))
      .addColumn('conversation_id', big, (c) => c.references('conversations.id'))
      .addColumn('interaction_id', big, (c) => c.references('interactions.id'))
      .addColumn('work_item_id', big, (c) => c.references('work_items.id'))
      .addColumn('advisor_id', big, (c) => c.references('advisors.id'))
      // queued, ringing, in-progress, then one terminal state: completed, busy, no-answer, failed, canceled.
      .addColumn('state', 'text', (c) => c.notNull())
      // Who ended it: the provider's report, or the sweeper for a call that never got its hangup.
      .addColumn('ended_by', 'text')
      // What the caller chose: 'dialed' (put through to an advisor), 'queued', 'callback', 'voicemail'.
      .addColumn('outcome', 'text')
      .addColumn('started_at', big, (c) => c.notNull())
      .addColumn('answered_at', big)
      .addColumn('ended_at', big)
      .addColumn('duration_seconds', 'integer')
      .addColumn('recording_url', 'text')
      .addColumn('updated_at', big, (c) => c.notNull())
      .addUniqueConstraint('calls_provider_call_unique', ['provider', 'provider_call_id'])
      .execute();
    // The sweeper's read: calls not yet ended, oldest first.
    await db.schema
      .createIndex('calls_open_by_update')
      .on('calls')
      .columns(['ended_at', 'updated_at'])
      .execute();

    await db.schema
      .createTable('twilio_sends')
      // `<Twilio AccountSid>|<REST base URL>|<send key>`: a sid belongs to the account that issued it.
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('interaction_id', big, (c) => c.notNull())
      // Null while the POST is on its way (or its answer was lost: a crash, a timeout).
      .addColumn('sid', 'text')
      .addColumn('started_at', big, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('advisor_lines')
      .addColumn('advisor_id', big, (c) => c.primaryKey().references('advisors.id'))
      // E.164 (+4930…) or a SIP address (sip:anna@pbx.example.com).
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();
  },
};
