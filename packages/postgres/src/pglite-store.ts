import { PGlite } from '@electric-sql/pglite'
import { ValidationError } from '@eventcore/core'
import { lockDataDir } from './data-dir-lock.js'
import { openSqlStore } from './open-sql-store.js'
import type { SqlConnection, SqlDriver } from './sql-driver.js'
import type { SqlEventStore, SqlStoreOptions } from './sql-store.js'
import { storeError } from './store-errors.js'

/** The store opens (and on `close()` closes) a PGlite of its own. */
export interface PgliteDataDirOptions extends SqlStoreOptions {
  /** Where PGlite keeps its files: a folder, or `memory://` for nothing on disk. @default './data' */
  readonly dataDir?: string
  readonly db?: never
}

/** The store uses an open PGlite (not closed by `close()`); lets several stores share one. */
export interface PgliteDbOptions extends SqlStoreOptions {
  readonly db: PGlite
  readonly dataDir?: never
}

/** Options of {@link openPgliteStore}: a data directory (the store's own PGlite) or an open PGlite. */
export type PgliteStoreOptions = PgliteDataDirOptions | PgliteDbOptions

/** A PGlite store; `db` is there for projections and tools that share it. */
export interface PgliteEventStore extends SqlEventStore {
  readonly db: PGlite
}

const heldLocks = new WeakMap<PGlite, Set<string>>()

/** A driver over PGlite: one in-process connection, so statements run one at a time. */
export function pgliteDriver(db: PGlite, { ownsDb = true }: { ownsDb?: boolean } = {}): SqlDriver {
  const connection = (target: Pick<PGlite, 'query' | 'exec'>): SqlConnection => ({
    async query<Row>(text: string, values?: readonly unknown[]) {
      // Statements without parameters may hold several commands (migrations): run them as a script.
      if (values === undefined) return ((await target.exec(text)).at(-1)?.rows ?? []) as Row[]
      return (await target.query<Row>(text, values as unknown[])).rows
    },
    // PGlite reads COPY's input from a Blob attached to the query.
    async copyFrom(into: string, rows: string) {
      await target.query(`COPY ${into} FROM '/dev/blob'`, [], { blob: new Blob([rows]) })
    },
  })
  return {
    ...connection(db),
    transaction: (work) => db.transaction((tx) => work(connection(tx))),
    // One PGlite lives in one process: an in-process set of held keys is the whole lock table.
    tryLock: async (key) => {
      const held = heldLocks.get(db) ?? new Set<string>()
      heldLocks.set(db, held)
      if (held.has(key)) return undefined
      held.add(key)
      return { release: async () => void held.delete(key), held: () => held.has(key) }
    },
    listen: async (channel, onNotify) => {
      const stop = await db.listen(channel, () => onNotify())
      return () => stop()
    },
    close: async () => {
      if (ownsDb) await db.close()
    },
  }
}

/**
 * Opens the embedded store: PostgreSQL compiled to WebAssembly, in this process, with the same SQL
 * as the PostgreSQL store. Creating a new database takes several seconds the first time.
 *
 * @example
 * const store = await openPgliteStore({ dataDir: './data' })
 */
export async function openPgliteStore(options: PgliteStoreOptions = {}): Promise<PgliteEventStore> {
  refuseDbWithDataDir(options)
  return openSqlStore(options, async () => {
    if (options.db) return { driver: pgliteDriver(options.db, { ownsDb: false }), handle: { db: options.db } }
    const { dataDir = './data' } = options
    // One process per data directory; a database in memory is the caller's.
    const lock = dataDir.startsWith('memory://') ? undefined : lockDataDir(dataDir)
    let db: PGlite
    try {
      db = await PGlite.create(dataDir)
    } catch (error) {
      lock?.release()
      throw storeError(`opening PGlite in ${dataDir}`, error)
    }
    const driver = pgliteDriver(db)
    const unlocking: SqlDriver = {
      ...driver,
      close: async () => {
        try {
          await driver.close()
        } finally {
          lock?.release()
        }
      },
    }
    return { driver: unlocking, handle: { db } }
  })
}

// The types keep `db` and `dataDir` apart; JavaScript callers are told at run time.
function refuseDbWithDataDir(options: PgliteStoreOptions): void {
  const given = options as Readonly<Record<string, unknown>>
  if (given.db !== undefined && given.dataDir !== undefined)
    throw new ValidationError([
      { path: 'dataDir', message: 'applies only to a PGlite the store opens; leave it out when you pass `db`' },
    ])
}
