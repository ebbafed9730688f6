/**
 * PostgreSQL and PGlite stores for EventCore. Both run the same migrations and SQL: one round trip
 * per append, atomic across streams, and a global order that never skips a late commit. The SQL
 * operations, drivers and other building blocks are in `@eventcore/postgres/store-kit`.
 *
 * @example
 * import { openPostgresStore, openPgliteStore } from '@eventcore/postgres'
 *
 * const store = process.env.EVENTCORE_DATABASE_URL
 *   ? await openPostgresStore({ connectionString: process.env.EVENTCORE_DATABASE_URL })
 *   : await openPgliteStore({ dataDir: './data' })
 *
 * @module
 */
export {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupChunk,
  type BackupEntry,
  BackupError,
  type BackupErrorKind,
  type BackupEvent,
  type BackupKind,
  type BackupManifest,
  type BackupProblem,
  type BackupProgress,
  type BackupSource,
  type BackupVerification,
  MANIFEST_FILE,
  type RestoreResult,
  type RetentionPlan,
  type RetentionPolicy,
} from './backup/backup-types.js'
export { backupEvents } from './backup/chain-scan.js'
export { type CreateBackupOptions, type CreatedBackup, createBackup } from './backup/create.js'
export { listBackups } from './backup/repository.js'
export { type RestoreBackupOptions, restoreBackup } from './backup/restore.js'
export { type PruneResult, planRetention, pruneBackups } from './backup/retention.js'
export { type VerifyBackupOptions, verifyBackup } from './backup/verify.js'
export { appliedMigrations, LATEST_VERSION, LOCK_NAMESPACE, migrate } from './migrations.js'
export {
  openPgliteStore,
  type PgliteDataDirOptions,
  type PgliteDbOptions,
  type PgliteEventStore,
  type PgliteStoreOptions,
} from './pglite-store.js'
export {
  openPostgresStore,
  type PostgresConnectionOptions,
  type PostgresEventStore,
  type PostgresPoolOptions,
  type PostgresStoreOptions,
} from './postgres-store.js'
export {
  type PostgresSslMode,
  type PostgresTlsOptions,
  type ResolvedPostgresTls,
  resolvePostgresTls,
} from './postgres-tls.js'
export {
  type CheckpointMove,
  cursorAtPosition,
  type DeadLetterRetry,
  type DeadLetterSelection,
  dropDeadLetters,
  type MoveCheckpointOptions,
  moveProjectionCheckpoint,
  retryDeadLetters,
} from './projection-admin.js'
export { type RolesSqlOptions, rolesSql } from './roles-sql.js'
export { type SchemaName, schemaName } from './schema-name.js'
export type { SqlConnection } from './sql-driver.js'
export {
  createSqlIdempotencyStore,
  type SqlIdempotencyStore,
  type SqlIdempotencyStoreOptions,
} from './sql-idempotency.js'
export { createSqlProjectionStore } from './sql-projections.js'
export type { SqlEventStore, SqlStoreOptions } from './sql-store.js'
