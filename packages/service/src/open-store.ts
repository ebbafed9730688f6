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

/**
 * Opens PostgreSQL when `EVENTCORE_DATABASE_URL` is set, else the embedded PGlite in
 * `EVENTCORE_DATA_DIR`, calling `onFirstStart` before a new one is created (it takes seconds).
 */
export async function openStore(
  config: Config,
  onFirstStart: ((dataDir: string) => void) | undefined,
): Promise<OpenedStore> {
  const { url, schema, poolSize, connectTimeoutMs, statementTimeoutMs, poolWaitMs } = config.database
  if (url) {
    const store = await openPostgresStore({
      connectionString: url,
      schema,
      poolSize,
      connectTimeoutMs,
      statementTimeoutMs,
      poolWaitMs,
    })
    return { store, pool: store.pool }
  }
  // PGlite's own marker, not the folder: the development secret may have created that already.
  if (config.dataDir !== MEMORY_DATA_DIR && !existsSync(join(config.dataDir, 'PG_VERSION'))) {
    onFirstStart?.(config.dataDir)
  }
  return { store: await openPgliteStore({ dataDir: config.dataDir, schema }), pool: undefined }
}
