/**
 * Building blocks of the SQL stores, for tools and stores that work with EventCore's tables
 * directly: one function per SQL operation (each taking a connection first, so it can run inside
 * your own transaction), the drivers, the store over any driver, NOTIFY throttling, the
 * migrations themselves, and the classification of driver errors. An application opening a store
 * needs none of it: see `@eventcore/postgres`.
 *
 * @example
 * import { readAll, withTransaction } from '@eventcore/postgres/store-kit'
 *
 * const page = await withTransaction(store.driver, (tx) => readAll(tx, store.schema, { after, limit: 500 }))
 *
 * @module
 */
export { type Migration, migrations } from './migrations.js'
export { channelOf, createNotifier, type Notifier } from './notifier.js'
export { type PgDriverOptions, pgDriver } from './pg-driver.js'
export { pgliteDriver } from './pglite-store.js'
export { appendEvents } from './sql/append-events.js'
export { readAll } from './sql/read-all.js'
export { type LatestEvents, readLatest } from './sql/read-latest.js'
export { readStream } from './sql/read-stream.js'
export { readStreams } from './sql/read-streams.js'
export { streamVersion } from './sql/stream-version.js'
export { type SqlDriver, type SqlLock, withTransaction } from './sql-driver.js'
export { createSqlStore } from './sql-store.js'
export { isTransient, storeError } from './store-errors.js'
