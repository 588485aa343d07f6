import type { AreaMigration } from './area-migration.ts';

/**
 * Callbacks as routing work (src/channels/twilio/callback-outcomes.ts): when a callback may next be
 * offered (`work_items.due_at`: an advisor's "call back at 15:00", or the pause after a busy line
 * or an unanswered call), and each outbound callback call's attempt with its outcome.
 */
export const callbackAttemptsMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    // Null: due now. Routing offers no item before its due time.
    await db.schema.alterTable('work_items').addColumn('due_at', big).execute();
    await db.schema
      .createTable('callback_attempts')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('work_item_id', big, (c) => c.notNull().references('work_items.id'))
      // The outbound call, when Twilio took it (a refused POST has none).
      .addColumn('call_id', big, (c) => c.references('calls.id'))
      .addColumn('advisor_id', big, (c) => c.references('advisors.id'))
      // answered, busy, no-answer, machine, wrong-number.
      .addColumn('outcome', 'text', (c) => c.notNull())
      // Twilio's ErrorCode, CallStatus or the advisor's word: why, in a few words.
      .addColumn('detail', 'text')
      // When the callback may be offered again (busy, no answer), null when it ended.
      .addColumn('retry_at', big)
      .addColumn('created_at', big, (c) => c.notNull())
      .execute();
    // One attempt per call, however often its terminal status callback comes.
    await db.schema
      .createIndex('callback_attempts_call_unique')
      .on('callback_attempts')
      .column('call_id')
      .unique()
      .execute();
    await db.schema
      .createIndex('callback_attempts_by_item')
      .on('callback_attempts')
      .column('work_item_id')
      .execute();
  },
};
