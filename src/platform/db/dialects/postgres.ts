import { sql, type RawBuilder } from 'kysely';
import type { StorageDialect } from './storage-dialect.ts';

/** The key of the transaction-scoped advisory lock a routing round holds. */
const routingLockKey = 72_431;

/** to_tsquery syntax over plain words: all must match (`&`), the last as a prefix (`:*`). */
function matches(
  table: 'interactions' | 'customers',
  words: readonly string[],
): RawBuilder<boolean> {
  const expression = words.map((w, i) => (i === words.length - 1 ? `${w}:*` : w)).join(' & ');
  return sql<boolean>`${sql.ref(`${table}.search`)} @@ to_tsquery('simple', ${expression})`;
}

/**
 * PostgreSQL: generated tsvector columns with GIN indexes; an advisory lock lets one node route at a
 * time; `select … for update` serialises work on one customer across nodes.
 */
export const postgresDialect: StorageDialect = {
  name: 'postgres',
  idType: 'bigserial',
  bigType: 'bigint',
  bytesType: 'bytea',
  neverReusedKey: (column) => column.primaryKey(),

  async createTextSearch(db, table) {
    const column = table === 'interactions' ? 'text' : 'search_text';
    // 'simple': no stemming nor stop words, the same words SQLite's tokenizer keeps.
    await sql`alter table ${sql.raw(table)} add column search tsvector generated always as (to_tsvector('simple', ${sql.raw(column)})) stored`.execute(
      db,
    );
    await sql`create index ${sql.raw(`${table}_search`)} on ${sql.raw(table)} using gin (search)`.execute(
      db,
    );
  },

  // The tsvector columns are generated from the text: an erased text takes its terms with it.
  async purgeRemovedText() {},

  newestInteractionMatches(_db, words, limit, fetch) {
    return fetch(matches('interactions', words), limit);
  },

  interactionTextMatches(words) {
    return matches('interactions', words);
  },

  async matchingCustomerIds(db, words, limit) {
    const rows = await db
      .selectFrom('customers')
      .select('id')
      .where(matches('customers', words))
      // No rank here: recently active customers first, and merged records never take a place.
      .where('merged_into_id', 'is', null)
      .orderBy('updated_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  },

  async tryRoutingLock(db) {
    const lock = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_xact_lock(${routingLockKey}) as locked`.execute(db);
    return lock.rows[0]?.locked === true;
  },

  async lockCustomer(db, customerId) {
    await db
      .selectFrom('customers')
      .select('id')
      .where('id', '=', customerId)
      .forUpdate()
      .execute();
  },

  skipsLockedRows: true,

  isUniqueViolation(error) {
    return (error as { code?: unknown } | null)?.code === '23505';
  },

  isForeignKeyViolation(error) {
    return (error as { code?: unknown } | null)?.code === '23503';
  },
};
