import type { AreaMigration } from './area-migration.ts';

/**
 * The desk's wrap-up after a call (src/channels/twilio/calls-desk.ts): the advisor's notes, the
 * outcome they chose, and whether it was a hard call (routing's recovery time); one per call.
 */
export const callWrapUpMigration: AreaMigration = {
  async up(db, { bigType: big }) {
    await db.schema
      .createTable('call_wrap_ups')
      .addColumn('call_id', big, (c) => c.primaryKey().references('calls.id'))
      .addColumn('advisor_id', big, (c) => c.notNull().references('advisors.id'))
      // resolved, follow-up, callback-promised, wrong-number, no-answer, other.
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('notes', 'text', (c) => c.notNull())
      .addColumn('hard', 'integer', (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();
  },
};
