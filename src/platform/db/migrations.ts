import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './connect.ts';
import { routingMigration } from './migrations/0002-routing.ts';
import { deskMigration } from './migrations/0003_desk.ts';
import { adminAndSnoozeMigration } from './migrations/0004_admin-and-snooze.ts';
import { channelAccountsMigration } from './migrations/0120-channel-accounts.ts';
import { jobsMigration } from './migrations/0100-jobs.ts';
import { integrationsMigration } from './migrations/0110-integrations.ts';
import { deliveryMigration } from './migrations/0130-delivery.ts';

// Migrations receive Kysely<any> by design: they describe tables that the typed schema does not know yet.
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyDb = Kysely<any>;

/** One set of migrations for both databases; the few dialect differences are spelled out inline. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  const id = dialect === 'postgres' ? 'bigserial' : 'integer';
  const big = dialect === 'postgres' ? 'bigint' : 'integer';

  const initial: Migration = {
    async up(db: AnyDb) {
      // SQLite: an INTEGER PRIMARY KEY is the rowid and grows by itself; AUTOINCREMENT would add a write per insert.
      const pk = <T extends { primaryKey(): T }>(c: T) => c.primaryKey();

      await db.schema
        .createTable('teams')
        .addColumn('id', id, pk)
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('shops')
        .addColumn('id', id, pk)
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('city', 'text', (c) => c.notNull())
        .addColumn('time_zone', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('team_id', big, (c) => c.references('teams.id'))
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('advisors')
        .addColumn('id', id, pk)
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('team_id', big, (c) => c.references('teams.id'))
        .addColumn('shop_id', big, (c) => c.references('shops.id'))
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

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', id, pk)
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('advisor_id', big, (c) => c.notNull().references('advisors.id'))
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('revoked_at', big)
        .execute();

      await db.schema
        .createTable('customers')
        .addColumn('id', id, pk)
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('language', 'text')
        .addColumn('consent', 'text', (c) => c.notNull())
        .addColumn('owner_id', big, (c) => c.references('advisors.id'))
        .addColumn('last_advisor_id', big, (c) => c.references('advisors.id'))
        .addColumn('merged_into_id', big, (c) => c.references('customers.id'))
        .addColumn('erased_at', big)
        .addColumn('search_text', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();

      // Identity uniqueness lives in the database: concurrent inbound contacts cannot create twins.
      await db.schema
        .createTable('identities')
        .addColumn('id', id, pk)
        .addColumn('customer_id', big, (c) => c.notNull().references('customers.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('network', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addUniqueConstraint('identities_unique_value', ['kind', 'network', 'value'])
        .execute();
      await db.schema
        .createIndex('identities_by_customer')
        .on('identities')
        .column('customer_id')
        .execute();

      await db.schema
        .createTable('conversations')
        .addColumn('id', id, pk)
        .addColumn('customer_id', big, (c) => c.notNull().references('customers.id'))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('owner_id', big, (c) => c.references('advisors.id'))
        .addColumn('team_id', big, (c) => c.references('teams.id'))
        .addColumn('shop_id', big, (c) => c.references('shops.id'))
        .addColumn('priority', 'text', (c) => c.notNull())
        .addColumn('origin_channel', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('last_interaction_at', big, (c) => c.notNull())
        .addColumn('resolved_at', big)
        .execute();
      // A customer's cases newest first: finding their active case scans only their own cases.
      await db.schema
        .createIndex('conversations_by_customer')
        .on('conversations')
        .columns(['customer_id', 'last_interaction_at'])
        .execute();
      await db.schema
        .createIndex('conversations_by_status')
        .on('conversations')
        .columns(['status', 'last_interaction_at'])
        .execute();
      await db.schema
        .createIndex('conversations_by_team')
        .on('conversations')
        .columns(['team_id', 'status', 'last_interaction_at'])
        .execute();
      await db.schema
        .createIndex('conversations_by_owner')
        .on('conversations')
        .columns(['owner_id', 'status'])
        .execute();

      await db.schema
        .createTable('conversation_tags')
        .addColumn('conversation_id', big, (c) => c.notNull().references('conversations.id'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('conversation_tags_pk', ['conversation_id', 'tag'])
        .execute();
      await db.schema
        .createIndex('conversation_tags_by_tag')
        .on('conversation_tags')
        .column('tag')
        .execute();

      await db.schema
        .createTable('interactions')
        .addColumn('id', id, pk)
        .addColumn('conversation_id', big, (c) => c.notNull().references('conversations.id'))
        .addColumn('customer_id', big, (c) => c.notNull().references('customers.id'))
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('author_type', 'text', (c) => c.notNull())
        .addColumn('author_id', big)
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('html', 'text')
        .addColumn('attachments', 'text', (c) => c.notNull())
        .addColumn('provider', 'text')
        .addColumn('provider_id', 'text')
        .addColumn('is_private', 'integer', (c) => c.notNull())
        .addColumn('delivery_state', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        // Re-delivered webhooks carry the same provider id: the database refuses the copy.
        .addUniqueConstraint('interactions_unique_provider_id', ['provider', 'provider_id'])
        .execute();
      await db.schema
        .createIndex('interactions_timeline')
        .on('interactions')
        .columns(['customer_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('interactions_by_conversation')
        .on('interactions')
        .columns(['conversation_id', 'created_at'])
        .execute();

      await db.schema
        .createTable('events')
        .addColumn('id', id, pk)
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('actor_id', big)
        .addColumn('entity_type', 'text', (c) => c.notNull())
        .addColumn('entity_id', big, (c) => c.notNull())
        .addColumn('customer_id', big)
        .addColumn('conversation_id', big)
        .addColumn('team_id', big)
        .addColumn('shop_id', big)
        .addColumn('owner_id', big)
        .addColumn('before', 'text')
        .addColumn('after', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('published_at', big)
        .execute();
      await db.schema
        .createIndex('events_by_entity')
        .on('events')
        .columns(['entity_type', 'entity_id'])
        .execute();
      await db.schema
        .createIndex('events_by_customer')
        .on('events')
        .column('customer_id')
        .execute();
      // No index on published_at: only the start-up sweep reads it, and an index would cost every write.

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer', (c) => c.notNull())
        .addColumn('response_body', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['actor', 'key'])
        .execute();

      if (dialect === 'sqlite') {
        // Prefix indexes: the last word a person types is matched as a prefix, and short prefixes
        // would otherwise expand to thousands of terms.
        await sql`create virtual table interactions_fts using fts5(text, content='interactions', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')`.execute(
          db,
        );
        await sql`create trigger interactions_fts_insert after insert on interactions begin
          insert into interactions_fts(rowid, text) values (new.id, new.text); end`.execute(db);
        await sql`create trigger interactions_fts_delete after delete on interactions begin
          insert into interactions_fts(interactions_fts, rowid, text) values ('delete', old.id, old.text); end`.execute(
          db,
        );
        await sql`create trigger interactions_fts_update after update of text on interactions begin
          insert into interactions_fts(interactions_fts, rowid, text) values ('delete', old.id, old.text);
          insert into interactions_fts(rowid, text) values (new.id, new.text); end`.execute(db);
        await sql`create virtual table customers_fts using fts5(search_text, content='customers', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')`.execute(
          db,
        );
        await sql`create trigger customers_fts_insert after insert on customers begin
          insert into customers_fts(rowid, search_text) values (new.id, new.search_text); end`.execute(
          db,
        );
        await sql`create trigger customers_fts_delete after delete on customers begin
          insert into customers_fts(customers_fts, rowid, search_text) values ('delete', old.id, old.search_text); end`.execute(
          db,
        );
        await sql`create trigger customers_fts_update after update of search_text on customers begin
          insert into customers_fts(customers_fts, rowid, search_text) values ('delete', old.id, old.search_text);
          insert into customers_fts(rowid, search_text) values (new.id, new.search_text); end`.execute(
          db,
        );
      } else {
        await sql`alter table interactions add column search tsvector generated always as (to_tsvector('simple', text)) stored`.execute(
          db,
        );
        await sql`create index interactions_search on interactions using gin (search)`.execute(db);
        await sql`alter table customers add column search tsvector generated always as (to_tsvector('simple', search_text)) stored`.execute(
          db,
        );
        await sql`create index customers_search on customers using gin (search)`.execute(db);
      }
    },
  };

  const migrations: Record<string, Migration> = {
    '0001_initial': initial,
    '0002_routing': routingMigration(dialect),
    '0003_desk': deskMigration(dialect),
    '0004_admin_and_snooze': adminAndSnoozeMigration(dialect),
    '0120-channel-accounts': channelAccountsMigration(dialect),
    '0100_jobs': jobsMigration(dialect),
    '0110_integrations': integrationsMigration(dialect),
    '0130_delivery': deliveryMigration(dialect),
  };
  return { getMigrations: async () => migrations };
}
