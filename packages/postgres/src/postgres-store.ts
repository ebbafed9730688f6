import { createUpcaster } from '@eventcore/core'
import pg from 'pg'
import { migrateOrClose } from './migrations.js'
import { pgDriver } from './pg-driver.js'
import { schemaName } from './schema-name.js'
import { createSqlStore, type SqlEventStore, type SqlStoreOptions } from './sql-store.js'

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions extends SqlStoreOptions {
  /** A `postgres://` URL. Either this or `pool`. */
  readonly connectionString?: string
  /** A pool you manage: not ended by `close()`; `poolSize` and the timeouts do not apply to it. */
  readonly pool?: pg.Pool
  /** Most connections in the pool the store makes. @default 10 */
  readonly poolSize?: number
  /** Give up connecting after this long, in milliseconds. @default 5000 */
  readonly connectTimeoutMs?: number
  /**
   * Longest wait for a free pooled connection when all are busy, in milliseconds; then the call
   * fails as a transient store-unavailable error instead of queueing without end. Applies to a pool
   * you pass in too. @default 5000
   */
  readonly poolWaitMs?: number
  /** Server-side limit per statement, in milliseconds; 0 for none. @default 30000 */
  readonly statementTimeoutMs?: number
  /** Apply pending migrations on open. Turn off when a separate migrator role runs them. @default true */
  readonly migrate?: boolean
}

/** A PostgreSQL store; `pool` is there for projections and tools that share it. */
export interface PostgresEventStore extends SqlEventStore {
  readonly pool: pg.Pool
}

/**
 * Opens the PostgreSQL store: a `pg` pool, migrations applied under an advisory lock, one round
 * trip per append.
 *
 * @example
 * const store = await openPostgresStore({ connectionString: process.env.EVENTCORE_DATABASE_URL })
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresEventStore> {
  const {
    connectionString,
    poolSize = 10,
    connectTimeoutMs = 5000,
    poolWaitMs = 5000,
    statementTimeoutMs = 30_000,
    schema: name = 'eventcore',
  } = options
  const schema = schemaName(name)
  createUpcaster(options.upcasters ?? []) // refuse bad upcasters before opening anything
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString,
      max: poolSize,
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: statementTimeoutMs || undefined,
      application_name: 'eventcore',
    })
  // An idle client of our pool that loses its connection emits 'error', which would otherwise
  // kill the process; the next query reports the outage. A pool you pass in is yours to watch
  // while idle; the clients the store checks out are guarded either way (see pgDriver).
  if (!options.pool) pool.on('error', () => {})
  const driver = pgDriver(pool, { ownsPool: !options.pool, poolWaitMs })
  if (options.migrate ?? true) await migrateOrClose(driver, schema)
  const store = createSqlStore(driver, schema, options)
  return { ...store, pool }
}
