import type { AreaMigration } from './area-migration.ts';

/**
 * Repairs (src/channels/shop/repairs.ts): the channel the customer asked to be told on at the
 * desk ('sms' or 'email'); null means the channel they last used among those two.
 */
export const repairsMigration: AreaMigration = {
  async up(db) {
    await db.schema.alterTable('shop_repairs').addColumn('notify_channel', 'text').execute();
  },
};
