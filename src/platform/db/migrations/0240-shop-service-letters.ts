import { sql } from 'kysely';
import type { AreaMigration } from './area-migration.ts';

/**
 * A walk-in ticket's letter names its service on the board: two active services may never
 * share one. A partial unique index decides it, so two administrators racing cannot both win; a
 * switched-off service frees its letter.
 */
export const shopServiceLettersMigration: AreaMigration = {
  async up(db) {
    await sql`create unique index shop_services_one_letter_per_active on shop_services (ticket_prefix) where active = 1`.execute(
      db,
    );
  },
};
