import type { AreaMigration } from './area-migration.ts';

/** Teams, advisors and how they sign in (sessions, API tokens). */
export const advisorsMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    // Team names and advisor emails are unique in the database: under a race, one insert wins and
    // the other is refused, which the domain turns into a conflict.
    await db.schema
      .createTable('teams')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .execute();

    // `shop_id` is added by the shops migration, which creates the table it points at.
    await db.schema
      .createTable('advisors')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('team_id', big, (c) => c.references('teams.id'))
      .addColumn('password_hash', 'text')
      .addColumn('languages', 'text', (c) => c.notNull())
      .addColumn('skills', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('advisor_id', big, (c) => c.notNull().references('advisors.id'))
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('expires_at', big, (c) => c.notNull())
      .execute();
    // Clean-up deletes expired sessions: without it every sweep reads the whole table.
    await db.schema.createIndex('sessions_by_expiry').on('sessions').column('expires_at').execute();

    await db.schema
      .createTable('api_tokens')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('advisor_id', big, (c) => c.notNull().references('advisors.id'))
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('revoked_at', big)
      .execute();
  },
};
