import type { AreaMigration } from './area-migration.ts';

/**
 * What follows a call (src/channels/twilio/): its recording fetched from Twilio and kept as a blob
 * (`recording_sid`, `recording_sha256`, `recording_state`: pending, stored or failed); the callback
 * an advisor made of a missed call (`callback_item_id`, one per call); and each accepted callback's
 * claim on its call (`callback_claims`), so that of several nodes hearing the same acceptance only
 * one places the call.
 */
export const callFollowupsMigration: AreaMigration = {
  async up(db, { bigType: big }) {
    for (const [name, type] of [
      ['recording_sid', 'text'],
      ['recording_sha256', 'text'],
      ['recording_state', 'text'],
      ['callback_item_id', big],
    ] as const)
      await db.schema.alterTable('calls').addColumn(name, type).execute();
    await db.schema
      .createTable('callback_claims')
      .addColumn('work_item_id', big, (c) => c.notNull().references('work_items.id'))
      .addColumn('accepted_at', big, (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .addPrimaryKeyConstraint('callback_claims_pk', ['work_item_id', 'accepted_at'])
      .execute();
  },
};
