import { PGlite } from '@electric-sql/pglite'
import { createUpcaster } from '@eventcore/core'
import { lockDataDir } from './data-dir-lock.js'
import { migrateOrClose } from './migrations.js'
import { schemaName } from './schema-name.js'
import type { SqlConnection, SqlDriver } from './sql-driver.js'
import { createSqlStore, type SqlEventStore, type SqlStoreOptions } from './sql-store.js'
import { storeError } from './store-errors.js'

/** Options of {@link openPgliteStore}. */
export interface PgliteStoreOptions extends SqlStoreOptions {
  /**
   * Where PGlite keeps its files: a folder, or `memory://` for nothing on disk.
   * Ignored when `db` is given. @default './data'
   */
  readonly dataDir?: string
  /** An open PGlite to use (it is not closed by `close()`); lets several stores share one. */
  readonly db?: PGlite
  /** Apply pending migrations on open. @default true */
  readonly migrate?: boolean
}

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
  const { dataDir = './data', schema: name = 'eventcore' } = options
  const schema = schemaName(name)
  createUpcaster(options.upcasters ?? []) // refuse bad upcasters before opening anything
  // One process per data directory; a database in memory, or one handed in, is the caller's.
  const lock = options.db || dataDir.startsWith('memory://') ? undefined : lockDataDir(dataDir)
  let db: PGlite
  try {
    db = options.db ?? (await PGlite.create(dataDir))
  } catch (error) {
    lock?.release()
    throw storeError(`opening PGlite in ${dataDir}`, error)
  }
  const driver = pgliteDriver(db, { ownsDb: !options.db })
  const unlocked: SqlDriver = {
    ...driver,
    close: async () => {
      try {
        await driver.close()
      } finally {
        lock?.release()
      }
    },
  }
  if (options.migrate ?? true) await migrateOrClose(unlocked, schema)
  return { ...createSqlStore(unlocked, schema, options), db }
}
