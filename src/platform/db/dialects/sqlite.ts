import { sql } from 'kysely';
import type { StorageDialect } from './storage-dialect.ts';

/** FTS5 syntax: every word quoted (nothing of the query syntax survives), the last one as a prefix. */
function matchExpression(words: readonly string[]): string {
  return words.map((w, i) => (i === words.length - 1 ? `"${w}"*` : `"${w}"`)).join(' ');
}

const searchedColumn = { interactions: 'text', customers: 'search_text' } as const;

/**
 * SQLite: FTS5 tables kept in step by triggers; one writer connection serialises every transaction,
 * so the routing lock and the customer lock need no statement at all.
 */
export const sqliteDialect: StorageDialect = {
  name: 'sqlite',
  idType: 'integer',
  bigType: 'integer',
  bytesType: 'blob',
  neverReusedKey: (column) => column.primaryKey().autoIncrement(),

  async createTextSearch(db, table) {
    const column = searchedColumn[table];
    const index = `${table}_fts`;
    // Prefix indexes: the last word a person types is matched as a prefix, and short prefixes
    // would otherwise expand to thousands of terms.
    await sql`create virtual table ${sql.raw(index)} using fts5(${sql.raw(column)}, content='${sql.raw(table)}', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')`.execute(
      db,
    );
    // The index is external content: triggers keep it in step with the table.
    await sql`create trigger ${sql.raw(`${index}_insert`)} after insert on ${sql.raw(table)} begin
      insert into ${sql.raw(index)}(rowid, ${sql.raw(column)}) values (new.id, new.${sql.raw(column)}); end`.execute(
      db,
    );
    await sql`create trigger ${sql.raw(`${index}_delete`)} after delete on ${sql.raw(table)} begin
      insert into ${sql.raw(index)}(${sql.raw(index)}, rowid, ${sql.raw(column)}) values ('delete', old.id, old.${sql.raw(column)}); end`.execute(
      db,
    );
    await sql`create trigger ${sql.raw(`${index}_update`)} after update of ${sql.raw(column)} on ${sql.raw(table)} begin
      insert into ${sql.raw(index)}(${sql.raw(index)}, rowid, ${sql.raw(column)}) values ('delete', old.id, old.${sql.raw(column)});
      insert into ${sql.raw(index)}(rowid, ${sql.raw(column)}) values (new.id, new.${sql.raw(column)}); end`.execute(
      db,
    );
  },

  async purgeRemovedText(db) {
    for (const index of ['interactions_fts', 'customers_fts'])
      await sql`insert into ${sql.raw(index)}(${sql.raw(index)}) values ('optimize')`.execute(db);
  },

  async newestInteractionMatches(db, words, limit, fetch) {
    // Walk the full-text matches newest first, a chunk at a time, keeping those the caller may see,
    // so a narrow scope still finds older matches without materialising them all. Chunks start
    // small (a wide scope is served by the first) and grow for narrow scopes.
    const expression = matchExpression(words);
    let chunk = Math.max(100, limit * 5);
    const rows: Awaited<ReturnType<typeof fetch>> = [];
    let below = Number.MAX_SAFE_INTEGER;
    for (let round = 0; round < 60 && rows.length < limit; round++) {
      const candidates = (
        await sql<{
          id: number;
        }>`select rowid as id from interactions_fts where interactions_fts match ${expression} and rowid < ${below} order by rowid desc limit ${chunk}`.execute(
          db,
        )
      ).rows.map((r) => r.id);
      if (candidates.length === 0) break;
      below = candidates[candidates.length - 1]!;
      rows.push(
        ...(await fetch(
          sql<boolean>`${sql.ref('interactions.id')} in (${sql.join(candidates)})`,
          limit - rows.length,
        )),
      );
      if (candidates.length < chunk) break;
      chunk = Math.min(chunk * 4, 5000);
    }
    return rows;
  },

  interactionTextMatches(words) {
    return sql<boolean>`${sql.ref('interactions.id')} in (select rowid from interactions_fts where interactions_fts match ${matchExpression(words)})`;
  },

  async matchingCustomerIds(db, words, limit) {
    const result = await sql<{
      id: number;
    }>`select rowid as id from customers_fts where customers_fts match ${matchExpression(words)} order by rank limit ${limit}`.execute(
      db,
    );
    return result.rows.map((r) => r.id);
  },

  tryRoutingLock: () => Promise.resolve(true),
  lockCustomer: () => Promise.resolve(),

  skipsLockedRows: false,

  isUniqueViolation(error) {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  },

  isForeignKeyViolation(error) {
    return (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
  },
};
