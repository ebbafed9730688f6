import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { SqlEventStore } from '@eventcore/postgres'
import { type Config, MEMORY_DATA_DIR, openStore } from '@eventcore/service'
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
  /**
   * `true`: apply pending migrations (only `migrate` does). `'inspect'`: open the schema as it is,
   * migrated or not, for commands that report its state. `false`: refuse a schema that is not up to
   * date, naming `eventcore-cli migrate`.
   */
  readonly migrate: boolean | 'inspect'
  readonly timeoutMs: number
  /** Create the PGlite database when its directory holds none (`backup restore` fills a new one). @default false */
  readonly create?: boolean
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
 * Opens the store the service would open with `config` (`openStore` of `@eventcore/service`:
 * PostgreSQL at `EVENTCORE_DATABASE_URL` with its TLS files, else PGlite in `EVENTCORE_DATA_DIR`),
 * migrating only when asked. A PGlite directory must already hold a database (the CLI inspects
 * one, it does not create one), unless `create`. Failing to connect within `timeoutMs` is a `connection` error (exit 2).
 *
 * @example
 * const { store } = await openDatabase(config, { migrate: 'inspect', timeoutMs: 10_000 })
 */
export async function openDatabase(config: Config, options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const { migrate, timeoutMs, create = false } = options
  const { url, poolSize, connectTimeoutMs } = config.database
  if (!url && !create && config.dataDir !== MEMORY_DATA_DIR && !existsSync(join(config.dataDir, 'PG_VERSION'))) {
    throw new CliError(
      'connection',
      `no embedded database in ${config.dataDir} (EVENTCORE_DATA_DIR): start the service once, or set EVENTCORE_DATABASE_URL`,
    )
  }
  // A tool needs few connections, and no connection attempt may outlast --timeout.
  const database = {
    ...config.database,
    poolSize: Math.min(poolSize, 4),
    connectTimeoutMs: Math.min(connectTimeoutMs, timeoutMs),
  }
  const location = url ? redactUrl(url) : config.dataDir
  const { store } = await connecting(location, timeoutMs, () => openStore({ ...config, database }, { migrate }))
  return { store, kind: url ? 'postgres' : 'pglite', location }
}

async function connecting<T extends { store: { close(): Promise<void> } }>(
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
    void opening.then(({ store }) => store.close()).catch(() => {})
    if (error instanceof CliError) throw error
    throw new CliError('connection', `${location}: ${messageOf(error)}`, { cause: error })
  } finally {
    clearTimeout(timer)
  }
}
