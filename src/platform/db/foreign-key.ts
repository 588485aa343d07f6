import { postgresDialect } from './dialects/postgres.ts';
import { sqliteDialect } from './dialects/sqlite.ts';

/**
 * The request field a broken foreign key concerns, when `error` is one: PostgreSQL names the
 * column (`Key (team_id)=(9) is not present…` → `teamId`), SQLite does not (→ `body`). Undefined
 * for any other error. Domain code checks ids first; this is the answer if a row vanished meanwhile.
 */
export function foreignKeyField(error: unknown): string | undefined {
  if (postgresDialect.isForeignKeyViolation(error)) {
    const detail = (error as { detail?: unknown }).detail;
    const column = typeof detail === 'string' ? /^Key \(([a-z_]+)\)=/.exec(detail)?.[1] : undefined;
    return column ? column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()) : 'body';
  }
  if (sqliteDialect.isForeignKeyViolation(error)) return 'body';
  return undefined;
}
