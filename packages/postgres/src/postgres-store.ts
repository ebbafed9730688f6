import { ValidationError, type ValidationIssue } from '@eventcore/core'
import pg from 'pg'
import { openSqlStore } from './open-sql-store.js'
import { pgDriver } from './pg-driver.js'
import { type PostgresTlsOptions, resolvePostgresTls } from './postgres-tls.js'
import type { SqlEventStore, SqlStoreOptions } from './sql-store.js'

/** Options of {@link openPostgresStore} whichever way it gets its pool. */
export interface PostgresCommonOptions extends SqlStoreOptions {
  /**
   * Longest wait for a free pooled connection when all are busy, in milliseconds; then the call
   * fails as a transient store-unavailable error instead of queueing without end. Applies to a pool
   * you pass in too. @default 5000
   */
  readonly poolWaitMs?: number
}

/** The store makes its own pool, and ends it on `close()`. */
export interface PostgresConnectionOptions extends PostgresCommonOptions {
  /** A `postgres://` URL; without one, `pg` reads the standard `PGHOST`, `PGUSER`, … variables. */
  readonly connectionString?: string
  readonly pool?: never
  /** Most connections in the pool. @default 10 */
  readonly poolSize?: number
  /** Give up connecting after this long, in milliseconds. @default 5000 */
  readonly connectTimeoutMs?: number
  /** Server-side limit per statement, in milliseconds; 0 for none. @default 30000 */
  readonly statementTimeoutMs?: number
  /**
   * TLS certificates (PEM texts). The URL's `sslmode` says how they are used (`verify-full` checks
   * the CA and the host name, `verify-ca` the CA, `require` only encrypts); with `ssl` and no
   * `sslmode`, `verify-full`. See {@link resolvePostgresTls}. @default the URL's settings alone
   */
  readonly ssl?: PostgresTlsOptions
}

/** The store uses a pool you made: `close()` does not end it, and watching it while idle is yours. */
export interface PostgresPoolOptions extends PostgresCommonOptions {
  readonly pool: pg.Pool
  readonly connectionString?: never
  readonly poolSize?: never
  readonly connectTimeoutMs?: never
  readonly statementTimeoutMs?: never
  readonly ssl?: never
}

/** Options of {@link openPostgresStore}: a connection string (the store's own pool) or a pool of yours. */
export type PostgresStoreOptions = PostgresConnectionOptions | PostgresPoolOptions

/** A PostgreSQL store; `pool` is there for projections and tools that share it. */
export interface PostgresEventStore extends SqlEventStore {
  readonly pool: pg.Pool
}

// The settings of a pool the store makes; with a pool of yours they would be silently ignored.
const OWN_POOL_SETTINGS = ['connectionString', 'poolSize', 'connectTimeoutMs', 'statementTimeoutMs', 'ssl'] as const

/**
 * Opens the PostgreSQL store: a `pg` pool, migrations applied under an advisory lock (or, with
 * `migrate: false`, the schema checked to be up to date), one round trip per append. A bad TLS
 * setting is refused before connecting; a certificate the server or client rejects fails the open
 * with a store-unavailable error naming TLS and the cause.
 *
 * @example
 * const store = await openPostgresStore({ connectionString: process.env.EVENTCORE_DATABASE_URL })
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresEventStore> {
  refuseMixedPoolOptions(options)
  return openSqlStore(options, async () => {
    const { poolWaitMs = 5000 } = options
    if (options.pool)
      return { driver: pgDriver(options.pool, { ownsPool: false, poolWaitMs }), handle: { pool: options.pool } }
    const { poolSize = 10, connectTimeoutMs = 5000, statementTimeoutMs = 30_000 } = options
    const { connectionString, ssl } = resolvePostgresTls(options.connectionString, options.ssl)
    const pool = new pg.Pool({
      connectionString,
      ...(ssl === undefined ? {} : { ssl }),
      max: poolSize,
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: statementTimeoutMs || undefined,
      application_name: 'eventcore',
    })
    // An idle client of our pool that loses its connection emits 'error', which would otherwise
    // kill the process; the next query reports the outage. A pool you pass in is yours to watch
    // while idle; the clients the store checks out are guarded either way (see pgDriver).
    pool.on('error', () => {})
    return { driver: pgDriver(pool, { ownsPool: true, poolWaitMs }), handle: { pool } }
  })
}

// The types keep a pool and a pool's settings apart; JavaScript callers are told at run time.
function refuseMixedPoolOptions(options: PostgresStoreOptions): void {
  const given = options as Readonly<Record<string, unknown>>
  if (given.pool === undefined) return
  const issues: ValidationIssue[] = OWN_POOL_SETTINGS.filter((name) => given[name] !== undefined).map((name) => ({
    path: name,
    message: 'applies only to a pool the store makes; leave it out when you pass `pool`',
  }))
  if (typeof (given.pool as { connect?: unknown } | null)?.connect !== 'function')
    issues.push({ path: 'pool', message: 'must be a pg.Pool' })
  if (issues.length > 0) throw new ValidationError(issues)
}
