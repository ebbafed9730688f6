import { appliedMigrations, LATEST_VERSION } from '@eventcore/postgres'
import type { DatabaseConfig } from '@eventcore/service'
import type { CheckResult } from './checks.js'
import { CliError, messageOf } from './cli-error.js'
import type { OpenedDatabase } from './database.js'
import { withDeadline } from './deadline.js'

/** The pool settings the service would use (`config.database`). */
export type PoolSettings = Pick<DatabaseConfig, 'poolSize' | 'connectTimeoutMs' | 'statementTimeoutMs' | 'poolWaitMs'>

/** What {@link databaseHealth} measured and read, for `--json` and the checklist. */
export interface DatabaseFacts {
  readonly kind: OpenedDatabase['kind']
  /** The URL without its password, or the PGlite directory. */
  readonly location: string
  readonly schema: string
  /** `SELECT 1` round trips after connecting, in milliseconds. */
  readonly latency: { readonly samples: number; readonly medianMs: number; readonly maxMs: number }
  /** The first query's time, connecting included (PostgreSQL) or opening the files (PGlite). */
  readonly connectMs: number
  readonly migrations: { readonly applied: readonly number[]; readonly latest: number }
  /** Undefined for PGlite (one in-process connection) or when the settings were not given. */
  readonly pool:
    | (PoolSettings & { readonly serverMaxConnections: number; readonly statementTimeoutInEffect: string })
    | undefined
  /** `not-applicable` for PGlite (no network); else this connection's TLS. */
  readonly tls: { readonly inUse: boolean; readonly version: string | null } | 'not-applicable'
  readonly serverVersion: string
  readonly role: string
  readonly superuser: boolean
}

/** What {@link databaseHealth} reports. */
export interface DatabaseHealth {
  readonly checks: CheckResult[]
  readonly facts: DatabaseFacts
}

/** Options of {@link databaseHealth}. */
export interface DatabaseHealthOptions {
  /** The longest wait for any one query; exceeding it is a `connection` error. */
  readonly timeoutMs: number
  /** The service's pool settings (`config.database`), to report and compare with the server's. */
  readonly pool?: PoolSettings
}

/** `SELECT 1` round trips timed after the first (which pays for connecting). */
const SAMPLES = 5
/** A median round trip above this is worth a warning: every append pays it at least once. */
const SLOW_MS = 50

const round = (ms: number) => Math.round(ms * 100) / 100

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** True for a URL whose host is this machine (loopback or a Unix socket), where plaintext stays local. */
export function isLocalHost(location: string): boolean {
  let host: string
  try {
    const url = new URL(location)
    host = url.searchParams.get('host') ?? url.hostname
  } catch {
    return false
  }
  return host === '' || host.startsWith('/') || host === 'localhost' || /^127\./.test(host) || host === '[::1]'
}

/**
 * Measures the database a command opened, for real: `SELECT 1` latency (median and max of
 * {@link SAMPLES}), the schema's migrations against this binary's `LATEST_VERSION` (behind: run
 * `eventcore-cli migrate`; ahead: this binary is older than the schema), the pool settings against
 * the server's `max_connections`, TLS on this very connection (`pg_stat_ssl`), the server version,
 * and the role. A first query that fails or does not answer within `timeoutMs` is a `connection`
 * error (exit 2); everything after it is a check.
 *
 * @example
 * const opened = await openDatabase(config, { migrate: 'inspect', timeoutMs: 10_000 })
 * try {
 *   const { checks } = await databaseHealth(opened, { timeoutMs: 10_000, pool: config.database })
 * } finally {
 *   await opened.store.close()
 * }
 */
export async function databaseHealth(opened: OpenedDatabase, options: DatabaseHealthOptions): Promise<DatabaseHealth> {
  const { store, kind, location } = opened
  const { timeoutMs, pool } = options
  const query = <Row>(text: string) =>
    withDeadline(
      store.driver.query<Row>(text, []),
      timeoutMs,
      `${location}: no answer within ${timeoutMs} ms (--timeout)`,
    )

  const started = performance.now()
  try {
    await query('SELECT 1')
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new CliError('connection', `${location}: ${messageOf(error)}`, { cause: error })
  }
  const connectMs = round(performance.now() - started)
  const times: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    const at = performance.now()
    await query('SELECT 1')
    times.push(performance.now() - at)
  }
  const latency = { samples: SAMPLES, medianMs: round(median(times)), maxMs: round(Math.max(...times)) }

  const applied = await withDeadline(appliedMigrations(store.driver, store.schema), timeoutMs, `${location}: no answer`)
  const [server] = await query<{ server_version: string; max_connections: string; statement_timeout: string }>(
    `SELECT current_setting('server_version') AS server_version, current_setting('max_connections') AS max_connections,
            current_setting('statement_timeout') AS statement_timeout`,
  )
  const [role] = await query<{ role: string; superuser: boolean }>(
    'SELECT current_user AS role, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user',
  )
  const tls =
    kind === 'pglite'
      ? ('not-applicable' as const)
      : await query<{ ssl: boolean; version: string | null }>(
          'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
        ).then(([row]) => ({ inUse: row?.ssl === true, version: row?.version ?? null }))

  const facts: DatabaseFacts = {
    kind,
    location,
    schema: store.schema.name,
    latency,
    connectMs,
    migrations: { applied, latest: LATEST_VERSION },
    pool:
      kind === 'postgres' && pool
        ? {
            poolSize: pool.poolSize,
            connectTimeoutMs: pool.connectTimeoutMs,
            statementTimeoutMs: pool.statementTimeoutMs,
            poolWaitMs: pool.poolWaitMs,
            serverMaxConnections: Number(server?.max_connections ?? 0),
            statementTimeoutInEffect: server?.statement_timeout ?? '',
          }
        : undefined,
    tls,
    serverVersion: server?.server_version ?? 'unknown',
    role: role?.role ?? 'unknown',
    superuser: role?.superuser === true,
  }
  return { checks: judge(facts, pool !== undefined), facts }
}

/** The checks of the facts: a pure function, so every verdict is testable from data alone. */
export function judge(facts: DatabaseFacts, poolGiven = true): CheckResult[] {
  const where = facts.kind === 'pglite' ? `PGlite in ${facts.location}` : facts.location
  return [
    {
      name: 'connection',
      status: 'pass',
      detail: `${where}, schema ${facts.schema}`,
      figure: { value: facts.connectMs, unit: 'ms' },
    },
    {
      name: 'round-trip latency',
      status: facts.latency.medianMs > SLOW_MS ? 'warn' : 'pass',
      detail: `median of ${facts.latency.samples} × SELECT 1, max ${facts.latency.maxMs} ms${
        facts.latency.medianMs > SLOW_MS ? ` (above ${SLOW_MS} ms: every command pays it)` : ''
      }`,
      figure: { value: facts.latency.medianMs, unit: 'ms' },
    },
    migrationCheck(facts),
    poolCheck(facts, poolGiven),
    tlsCheck(facts),
    {
      name: 'server version',
      status: 'pass',
      detail:
        facts.kind === 'pglite' ? `PGlite (PostgreSQL ${facts.serverVersion})` : `PostgreSQL ${facts.serverVersion}`,
    },
    roleCheck(facts),
  ]
}

function migrationCheck({ migrations: { applied, latest }, schema }: DatabaseFacts): CheckResult {
  const at = applied.at(-1) ?? 0
  const missing = Array.from({ length: latest }, (_, i) => i + 1).filter((v) => !applied.includes(v))
  const name = 'migrations'
  if (applied.length === 0)
    return {
      name,
      status: 'fail',
      detail: `schema ${schema} is not migrated (0 of ${latest}): run eventcore-cli migrate`,
    }
  // Migrations only add (no down step), so an older release runs on a newer schema: after a
  // rollback this is expected, not a failure. Migrating stays the newest release's job.
  if (at > latest)
    return {
      name,
      status: 'warn',
      detail: `schema at ${at}, ahead of this binary's ${latest}: a newer release migrated it (as after a rollback); this release runs on it, but migrate with the newest release's eventcore-cli`,
    }
  if (missing.length > 0)
    return {
      name,
      status: 'fail',
      detail: `schema at ${at} of ${latest}, missing ${missing.join(', ')}: run eventcore-cli migrate`,
    }
  return { name, status: 'pass', detail: `schema ${schema} at ${at} of ${latest}` }
}

function poolCheck({ kind, pool }: DatabaseFacts, poolGiven: boolean): CheckResult {
  const name = 'pool settings'
  if (kind === 'pglite') return { name, status: 'skip', detail: 'not applicable: PGlite is one in-process connection' }
  if (!pool || !poolGiven) return { name, status: 'skip', detail: 'the pool settings were not given' }
  const settings = `size ${pool.poolSize}, connect timeout ${pool.connectTimeoutMs} ms, statement timeout ${pool.statementTimeoutMs} ms (in effect: ${pool.statementTimeoutInEffect}), pool wait ${pool.poolWaitMs} ms`
  if (pool.poolSize >= pool.serverMaxConnections)
    return {
      name,
      status: 'warn',
      detail: `${settings}: one replica's pool alone can take all ${pool.serverMaxConnections} server connections`,
    }
  return { name, status: 'pass', detail: `${settings}; server max_connections ${pool.serverMaxConnections}` }
}

// SSL 3 and TLS 1.0/1.1: deprecated (RFC 8996), as the audit's EC-ENC-012 says.
const OLD_TLS = /^(SSLv|TLSv1(\.[01])?$)/

function tlsCheck({ tls, location }: DatabaseFacts): CheckResult {
  const name = 'TLS'
  if (tls === 'not-applicable') return { name, status: 'skip', detail: 'not applicable: PGlite runs in this process' }
  if (tls.inUse && tls.version !== null && OLD_TLS.test(tls.version))
    return {
      name,
      status: 'warn',
      detail: `in use on this connection, but ${tls.version}, older than TLS 1.2: set ssl_min_protocol_version = 'TLSv1.2' on the server`,
    }
  if (tls.inUse)
    return { name, status: 'pass', detail: `in use on this connection (${tls.version ?? 'version unknown'})` }
  if (isLocalHost(location)) return { name, status: 'pass', detail: 'not in use; the server is on this host' }
  return {
    name,
    status: 'warn',
    detail: 'not in use: this connection is plaintext over the network (set sslmode=verify-full in the URL)',
  }
}

function roleCheck({ kind, role, superuser }: DatabaseFacts): CheckResult {
  const name = 'role'
  if (kind === 'pglite') return { name, status: 'pass', detail: `${role} (PGlite's own, in this process)` }
  if (superuser)
    return {
      name,
      status: 'warn',
      detail: `${role} is a superuser: the service should run as a role with only the DML it needs`,
    }
  return { name, status: 'pass', detail: `${role}, not a superuser` }
}
