import { sql, type RawBuilder } from 'kysely';
import type { Dialect } from './connect.ts';

/** Splits what a person typed into plain words; nothing of the query syntax survives. */
export function searchWords(query: string): string[] {
  return (query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8);
}

/** A safe full-text match expression for the dialect: every word must match, the last as a prefix. */
export function matchExpression(dialect: Dialect, words: readonly string[]): string {
  if (dialect === 'sqlite') {
    return words.map((w, i) => (i === words.length - 1 ? `"${w}"*` : `"${w}"`)).join(' ');
  }
  return words.map((w, i) => (i === words.length - 1 ? `${w}:*` : w)).join(' & ');
}

/** `search @@ to_tsquery(...)` for PostgreSQL tables that carry a generated tsvector column. */
export function pgMatches(table: string, expression: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(`${table}.search`)} @@ to_tsquery('simple', ${expression})`;
}
