/**
 * What differs between the two databases Rapport runs on, and nothing else: one small interface,
 * one implementation per database (`sqlite.ts`, `postgres.ts`), as Kysely's dialect folders do.
 * Domain code asks the store's dialect instead of branching on which database it is.
 */
import type { ColumnDefinitionBuilder, Expression, Kysely, RawBuilder, SqlBool } from 'kysely';
import type { Database } from '../schema.ts';

export type DialectName = 'sqlite' | 'postgres';

// Migrations describe tables the typed schema does not know yet, so they receive Kysely<any>.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type MigrationDb = Kysely<any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Selects at most `limit` rows the caller may see that also satisfy `match`, newest (highest id) first. */
export type FetchMatches<Row> = (match: Expression<SqlBool>, limit: number) => Promise<Row[]>;

/** The tables Rapport searches by words. */
export type SearchedTable = 'interactions' | 'customers';

export interface StorageDialect {
  readonly name: DialectName;
  /**
   * Column type of a generated primary key. On SQLite an INTEGER PRIMARY KEY is the rowid and grows
   * by itself; AUTOINCREMENT would add a write per insert.
   */
  readonly idType: 'bigserial' | 'integer';
  /** Column type of ids and epoch-millisecond times, which outgrow 32 bits. */
  readonly bigType: 'bigint' | 'integer';
  /** Column type of raw bytes (stored mail, attachments). */
  readonly bytesType: 'bytea' | 'blob';
  /**
   * Makes `column` a generated primary key whose values are never handed out again, even after the
   * row with the highest one is deleted (SQLite's AUTOINCREMENT; a PostgreSQL sequence already is).
   */
  neverReusedKey(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;

  /**
   * Migration: the full-text index of a table (`interactions.text`, `customers.search_text`), kept
   * current by the database itself.
   */
  createTextSearch(db: MigrationDb, table: SearchedTable): Promise<void>;
  /**
   * Rewrites the full-text indexes without the words of deleted or changed rows, so an erased text
   * leaves no term behind (SQLite's FTS5 keeps them in old segments until merged). Costs a pass over
   * the index: for erasures, not for every write.
   */
  purgeRemovedText(db: Kysely<Database>): Promise<void>;
  /**
   * Interactions whose text holds every word (the last as a prefix), newest first, at most `limit`;
   * `fetch` applies the caller's visibility rules to the candidates the index finds.
   */
  newestInteractionMatches<Row>(
    db: Kysely<Database>,
    words: readonly string[],
    limit: number,
    fetch: FetchMatches<Row>,
  ): Promise<Row[]>;
  /**
   * A condition on `interactions.id`: the interaction's text holds every word (the last as a
   * prefix), for queries that group, filter and page the matches themselves (case search).
   */
  interactionTextMatches(words: readonly string[]): RawBuilder<boolean>;
  /** Ids of customers whose names or identities hold every word (the last as a prefix), best first. */
  matchingCustomerIds(
    db: Kysely<Database>,
    words: readonly string[],
    limit: number,
  ): Promise<number[]>;

  /**
   * Takes the lock that lets one routing round run at a time across nodes, for the rest of the
   * transaction; false when another node holds it (the round should be tried again shortly).
   */
  tryRoutingLock(db: Kysely<Database>): Promise<boolean>;
  /** Locks one customer's row until the transaction ends: choosing or opening their case is serialised. */
  lockCustomer(db: Kysely<Database>, customerId: number): Promise<void>;
  /**
   * Whether `select … for update skip locked` lets nodes take different rows without waiting for
   * each other (PostgreSQL). SQLite has one writer and no row locks: callers guard their updates.
   */
  readonly skipsLockedRows: boolean;
  /** Whether a failed statement broke a unique constraint (the row exists already). */
  isUniqueViolation(error: unknown): boolean;
  /** Whether a failed statement named a row that does not exist (a foreign key it broke). */
  isForeignKeyViolation(error: unknown): boolean;
}
