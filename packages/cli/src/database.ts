import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { openPgliteStore, openPostgresStore, type SqlEventStore } from '@eventcore/postgres'
import { type Config, MEMORY_DATA_DIR } from '@eventcore/service'
import { CliError, messageOf } from './cli-error.js'

/** What {@link openDatabase} opens: the store, and which kind it is for reports. */
export interface OpenedDatabase {
  readonly store: SqlEventStore
  readonly kind: 'postgres' | 'pglite'
  /** Where it is, with any password left out: a URL without credentials, or a directory. */
  readonly location: string
}

/** What {@link openDatabase} may do besides connecting. */
export interface OpenDatabaseOptions {
  /** Apply pending migrations (only `migrate` does); every other command reads the schema as it is. */
  readonly migrate: boolean
  readonly timeoutMs: number
}

/** A database URL without its password, for output. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.href
  } catch {
    return '(an unparsable URL)'
  }
}

/**
 * Opens the store the service would use with `config` (PostgreSQL at `EVENTCORE_DATABASE_URL`, else
 * PGlite in `EVENTCORE_DATA_DIR`), without migrating unless asked. A PGlite directory must already
 * hold a database: the CLI inspects one, it does not create one. Failing to connect within
 * `timeoutMs` is a `connection` error (exit 2).
 *
 * @example
 * const { store } = await openDatabase(config, { migrate: false, timeoutMs: 10_000 })
 */
export async function openDatabase(config: Config, options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const { url, schema, poolSize, connectTimeoutMs, statementTimeoutMs, poolWaitMs } = config.database
  const { migrate, timeoutMs } = options
  if (url) {
    const location = redactUrl(url)
    const store = await connecting(location, timeoutMs, () =>
      openPostgresStore({
        connectionString: url,
        schema,
        poolSize: Math.min(poolSize, 4),
        connectTimeoutMs: Math.min(connectTimeoutMs, timeoutMs),
        statementTimeoutMs,
        poolWaitMs,
        migrate,
      }),
    )
    return { store, kind: 'postgres', location }
  }
  const dir = config.dataDir
  if (dir !== MEMORY_DATA_DIR && !existsSync(join(dir, 'PG_VERSION'))) {
    throw new CliError(
      'connection',
      `no embedded database in ${dir} (EVENTCORE_DATA_DIR): start the service once, or set EVENTCORE_DATABASE_URL`,
    )
  }
  const store = await connecting(dir, timeoutMs, () => openPgliteStore({ dataDir: dir, schema, migrate }))
  return { store, kind: 'pglite', location: dir }
}

async function connecting<T extends { close(): Promise<void> }>(
  location: string,
  timeoutMs: number,
  open: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const opening = open()
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CliError('connection', `${location}: no connection within ${timeoutMs} ms (--timeout)`)),
      timeoutMs,
    )
  })
  try {
    return await Promise.race([opening, late])
  } catch (error) {
    // Opened after all, too late: close it so the process can end.
    void opening.then((store) => store.close()).catch(() => {})
    if (error instanceof CliError) throw error
    throw new CliError('connection', `${location}: ${messageOf(error)}`, { cause: error })
  } finally {
    clearTimeout(timer)
  }
}
