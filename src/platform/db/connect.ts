import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type { Database } from './schema.ts';
import { migrationProvider } from './migrations.ts';
import type { StorageDialect } from './dialects/storage-dialect.ts';
import { sqliteDialect } from './dialects/sqlite.ts';
import { postgresDialect } from './dialects/postgres.ts';

/** An open database: the Kysely handle, which dialect it speaks, and how to close it. */
export interface Store {
  /** The handle for writes (the writer's transactions) and for reads that must see them. */
  readonly db: Kysely<Database>;
  /**
   * The handle for reads on hot paths (sign-in checks, lists, timelines, search). On SQLite it is a
   * second connection, so reads never queue behind an open group-commit transaction; on PostgreSQL
   * it is the same pool.
   */
  readonly read: Kysely<Database>;
  /** What differs between the two databases (text search, locks, constraint errors), behind one interface. */
  readonly dialect: StorageDialect;
  close(): Promise<void>;
}

// PostgreSQL returns bigint (int8) as text by default; our ids and epoch-millisecond times fit in a double.
pg.types.setTypeParser(20, (value) => Number(value));

/** Opens SQLite in `dataDir` (WAL, synchronous=FULL so an acknowledged write is on disk) or PostgreSQL. */
export function openStore(options: {
  databaseUrl?: string | undefined;
  dataDir?: string;
  file?: string;
}): Store {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle connection the server ends (a restart, an administrator, a failover) is dropped by the
    // pool and replaced on the next query; without a listener its 'error' would end the process.
    pool.on('error', (error) =>
      process.emitWarning(
        `PostgreSQL closed an idle connection: ${error.message}`,
        'RapportDatabase',
      ),
    );
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, read: db, dialect: postgresDialect, close: () => db.destroy() };
  }
  const file = options.file ?? path.join(options.dataDir ?? 'data', 'rapport.sqlite');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const writeConnection = openSqlite(file);
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(writeConnection) }),
  });
  if (file === ':memory:')
    return { db, read: db, dialect: sqliteDialect, close: () => db.destroy() };
  const read = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(openSqlite(file)) }),
  });
  return {
    db,
    read,
    dialect: sqliteDialect,
    async close() {
      await read.destroy();
      await db.destroy();
    },
  };
}

function openSqlite(file: string): SqliteDatabase.Database {
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536');
  // Each unit of work runs in a savepoint; keep its rollback journal in memory, not in a temp file.
  sqlite.pragma('temp_store = MEMORY');
  return sqlite;
}

/** Kysely prepares every query anew; preparing costs more than running, so keep each statement once. */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const cached = Object.create(sqlite) as SqliteDatabase.Database;
  cached.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      statement = sqlite.prepare(source);
      if (cache.size > 2000) cache.clear();
      cache.set(source, statement);
    }
    return statement;
  }) as SqliteDatabase.Database['prepare'];
  cached.close = () => sqlite.close();
  return cached;
}

/** Applies every pending migration; safe to call at each start. */
export async function migrate(store: Store): Promise<string[]> {
  const migrator = new Migrator({
    db: store.db,
    provider: migrationProvider(store.dialect),
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
