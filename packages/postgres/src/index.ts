/**
 * PostgreSQL and PGlite stores for EventCore. Both run the same migrations and SQL: one round trip
 * per append, atomic across streams, and a global order that never skips a late commit.
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
export { appliedMigrations, LATEST_VERSION, LOCK_NAMESPACE, type Migration, migrate, migrations } from './migrations.js'
export { channelOf, createNotifier, type Notifier } from './notifier.js'
export { type PgDriverOptions, pgDriver } from './pg-driver.js'
export {
  openPgliteStore,
  type PgliteDataDirOptions,
  type PgliteDbOptions,
  type PgliteEventStore,
  type PgliteStoreOptions,
  pgliteDriver,
} from './pglite-store.js'
export {
  openPostgresStore,
  type PostgresConnectionOptions,
  type PostgresEventStore,
  type PostgresPoolOptions,
  type PostgresStoreOptions,
} from './postgres-store.js'
export { type SchemaName, schemaName } from './schema-name.js'
export { appendEvents } from './sql/append-events.js'
export { readAll } from './sql/read-all.js'
export { readStream } from './sql/read-stream.js'
export { readStreams } from './sql/read-streams.js'
export { streamVersion } from './sql/stream-version.js'
export { type SqlConnection, type SqlDriver, type SqlLock, withTransaction } from './sql-driver.js'
export {
  createSqlIdempotencyStore,
  type SqlIdempotencyStore,
  type SqlIdempotencyStoreOptions,
} from './sql-idempotency.js'
export { createSqlProjectionStore } from './sql-projections.js'
export { createSqlStore, type SqlEventStore, type SqlStoreOptions } from './sql-store.js'
export { isTransient, storeError } from './store-errors.js'
