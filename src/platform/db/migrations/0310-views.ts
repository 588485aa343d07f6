import type { AreaMigration } from './area-migration.ts';

/**
 * The desk's views (src/conversations/views.ts, case-reads.ts, logged-contacts.ts): an advisor's
 * saved views with their filters, optionally shared with a team; each advisor's read state of each
 * case (one row per advisor and case, so two advisors never share "unread"); the shop a visit logged
 * by an advisor took place in.
 */
export const viewsMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema
      .createTable('saved_views')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('advisor_id', big, (c) => c.notNull().references('advisors.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      /** JSON: the filters (status, channel, teamId, ownerId, tag, priority). */
      .addColumn('filters', 'text', (c) => c.notNull())
      .addColumn('shared_team_id', big, (c) => c.references('teams.id'))
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .addUniqueConstraint('saved_views_name_unique', ['advisor_id', 'name'])
      .execute();
    await db.schema
      .createIndex('saved_views_by_team')
      .on('saved_views')
      .columns(['shared_team_id'])
      .execute();

    await db.schema
      .createTable('case_reads')
      .addColumn('advisor_id', big, (c) => c.notNull().references('advisors.id'))
      .addColumn('conversation_id', big, (c) => c.notNull().references('conversations.id'))
      .addColumn('read_at', big, (c) => c.notNull())
      /** 1 when the advisor marked the case unread after reading it. */
      .addColumn('unread', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('case_reads_pk', ['advisor_id', 'conversation_id'])
      .execute();

    await db.schema
      .createTable('logged_visits')
      .addColumn('interaction_id', big, (c) => c.primaryKey().references('interactions.id'))
      .addColumn('shop_id', big, (c) => c.notNull().references('shops.id'))
      .execute();

    // The unread rule asks for a case's latest inbound interaction.
    await db.schema
      .createIndex('interactions_inbound_by_conversation')
      .on('interactions')
      .columns(['conversation_id', 'direction', 'created_at'])
      .execute();
  },
};
