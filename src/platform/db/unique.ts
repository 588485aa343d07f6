import { Conflict } from '../errors.ts';
import { postgresDialect } from './dialects/postgres.ts';
import { sqliteDialect } from './dialects/sqlite.ts';

/** Whether a failed statement broke a unique constraint, whichever database ran it (their codes differ). */
export function isUniqueViolation(error: unknown): boolean {
  return sqliteDialect.isUniqueViolation(error) || postgresDialect.isUniqueViolation(error);
}

/**
 * Runs a write a unique constraint guards; its violation becomes a `Conflict` (409) saying `message`.
 * The constraint, not a look-up first, decides: two nodes racing cannot both pass a look-up.
 */
export async function unlessDuplicate<T>(write: Promise<T>, message: string): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict(message);
    throw error;
  }
}
