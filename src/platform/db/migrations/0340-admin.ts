import type { AreaMigration } from './area-migration.ts';

/**
 * Admin (src/advisors/): set-password links for invitations and resets (only a hash of the token
 * is kept), API token scopes and last use, and archived teams.
 */
export const adminMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema
      .createTable('password_links')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('advisor_id', big, (c) => c.notNull().references('advisors.id'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('created_by', big)
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('expires_at', big, (c) => c.notNull())
      .addColumn('used_at', big)
      .execute();
    await db.schema
      .createIndex('password_links_by_advisor')
      .on('password_links')
      .column('advisor_id')
      .execute();
    // Null scopes: a token issued before scopes existed, which keeps every scope it had.
    await db.schema.alterTable('api_tokens').addColumn('scopes', 'text').execute();
    await db.schema.alterTable('api_tokens').addColumn('last_used_at', big).execute();
    await db.schema.alterTable('teams').addColumn('archived_at', big).execute();
  },
};
