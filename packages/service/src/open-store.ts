import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { openPgliteStore, openPostgresStore, type PostgresEventStore, type SqlEventStore } from '@eventcore/postgres'
import type { Config } from './config/index.js'
import { MEMORY_DATA_DIR } from './config/index.js'

/** The store a service runs on, and its connection pool when it is PostgreSQL. */
export interface OpenedStore {
  readonly store: SqlEventStore
  readonly pool: PostgresEventStore['pool'] | undefined
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Called before a new PGlite database is created (it takes seconds). */
  readonly onFirstStart?: (dataDir: string) => void
  /**
   * Overrides `EVENTCORE_DATABASE_MIGRATE`: `'inspect'` neither migrates nor checks the schema, for
   * tools that report its state. @default config.database.migrate
   */
  readonly migrate?: boolean | 'inspect'
}

/**
 * Opens the store a service runs on, as its configuration says: PostgreSQL when
 * `EVENTCORE_DATABASE_URL` is set (with the `EVENTCORE_DATABASE_SSL_*_FILE` certificates), else
 * the embedded PGlite in `EVENTCORE_DATA_DIR`, calling `onFirstStart` before a new one is created
 * (it takes seconds). It migrates unless `EVENTCORE_DATABASE_MIGRATE=false`; then it fails when
 * the schema is not up to date, naming `eventcore-cli migrate`. Tools (the CLI) open the same store
 * the service would; `close()` the store when done.
 *
 * @example
 * const loaded = loadConfig(process.env)
 * if (loaded.ok) {
 *   const { store } = await openStore(loaded.config)
 *   await store.close()
 * }
 */
export async function openStore(config: Config, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const { onFirstStart, migrate = config.database.migrate } = options
  const { url, schema, poolSize, connectTimeoutMs, statementTimeoutMs, poolWaitMs, ssl } = config.database
  if (url) {
    const store = await openPostgresStore({
      connectionString: url,
      schema,
      poolSize,
      connectTimeoutMs,
      statementTimeoutMs,
      poolWaitMs,
      migrate,
      ...(ssl === undefined ? {} : { ssl }),
    })
    return { store, pool: store.pool }
  }
  // PGlite's own marker, not the folder: the development secret may have created that already.
  if (config.dataDir !== MEMORY_DATA_DIR && !existsSync(join(config.dataDir, 'PG_VERSION'))) {
    onFirstStart?.(config.dataDir)
  }
  return { store: await openPgliteStore({ dataDir: config.dataDir, schema, migrate }), pool: undefined }
}
