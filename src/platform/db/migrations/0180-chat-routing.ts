import type { AreaMigration } from './area-migration.ts';

/**
 * Routing for live chat: when an advisor's desk (the live WebSocket) was last seen open, so a chat
 * held by an advisor who left goes back to the queue (`routing/desk-watch.ts`).
 */
export const chatRoutingMigration: AreaMigration = {
  async up(db, { bigType: big }) {
    await db.schema.alterTable('advisor_states').addColumn('desk_seen_at', big).execute();
  },
};
