import type { MigrationDb, StorageDialect } from '../dialects/storage-dialect.ts';

/** One area's tables; `up` receives the dialect for the few column types and indexes that differ. */
export interface AreaMigration {
  up(db: MigrationDb, dialect: StorageDialect): Promise<void>;
}
