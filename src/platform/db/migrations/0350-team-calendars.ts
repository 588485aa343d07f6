import { sql } from 'kysely';
import type { AreaMigration } from './area-migration.ts';

/**
 * Team calendars (src/routing/team-calendars.ts): the weekly hours and dated holidays a team answers
 * written contacts in, in the calendar's time zone. A team without hours keeps counting 24 × 7.
 */
export const teamCalendarsMigration: AreaMigration = {
  async up(db, { bigType: big }) {
    await db.schema
      .createTable('team_calendars')
      .addColumn('team_id', big, (c) => c.primaryKey().references('teams.id'))
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('team_hours')
      .addColumn('team_id', big, (c) => c.notNull().references('teams.id'))
      .addColumn('weekday', 'integer', (c) => c.notNull())
      .addColumn('opens', 'text', (c) => c.notNull())
      .addColumn('closes', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('team_hours_pk', ['team_id', 'weekday', 'opens'])
      .addCheckConstraint('team_hours_weekday', sql`weekday between 1 and 7`)
      .execute();
    await db.schema
      .createTable('team_holidays')
      .addColumn('team_id', big, (c) => c.notNull().references('teams.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('team_holidays_pk', ['team_id', 'date'])
      .execute();
  },
};
