import type { AreaMigration } from './area-migration.ts';

/**
 * Declined offers (src/routing/offers.ts): an advisor who declines an item is not offered the same
 * item again until the cool-off ends, so the only advisor on shift is not asked again two seconds later.
 */
export const offerDeclinesMigration: AreaMigration = {
  async up(db, { bigType: big }) {
    await db.schema
      .createTable('offer_declines')
      .addColumn('work_item_id', big, (c) => c.notNull().references('work_items.id'))
      .addColumn('advisor_id', big, (c) => c.notNull().references('advisors.id'))
      .addColumn('declined_at', big, (c) => c.notNull())
      // The advisor may be offered this item again from then on.
      .addColumn('until', big, (c) => c.notNull())
      .addPrimaryKeyConstraint('offer_declines_pk', ['work_item_id', 'advisor_id'])
      .execute();
    await db.schema
      .createIndex('offer_declines_by_until')
      .on('offer_declines')
      .column('until')
      .execute();
  },
};
