// Test support for this package's int tests (not exported): unique schemas, dropped afterwards.
// It is built with the package, so it takes the test runner's `afterAll` instead of importing vitest.
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { openPgliteStore, type PgliteEventStore } from './pglite-store.js'
import { openPostgresStore, type PostgresEventStore } from './postgres-store.js'
import type { SqlStoreOptions } from './sql-store.js'

/** The real PostgreSQL the int tests use, when CI (or you) set one. */
export const databaseUrl = process.env.EVENTCORE_TEST_DATABASE_URL

/** Registers clean-up to run after the file's tests: vitest's `afterAll`. */
export type AfterAll = (cleanUp: () => Promise<void>) => void

let schemas = 0
/** A schema name no other test run uses. */
export function uniqueSchema(): string {
  schemas += 1
  return `ec_test_${process.pid}_${Date.now().toString(36)}_${schemas}`
}

/** Opens PostgreSQL stores in fresh schemas; drops the schemas after the file's tests. */
export function postgresStores(afterAll: AfterAll): {
  open: (options?: Pick<SqlStoreOptions, 'groupCommit'>) => Promise<PostgresEventStore>
  admin: () => pg.Pool
} {
  const created: string[] = []
  let admin: pg.Pool | undefined
  const adminPool = () => {
    admin ??= new pg.Pool({ connectionString: databaseUrl, max: 4 })
    return admin
  }
  afterAll(async () => {
    const pool = adminPool()
    for (const schema of created) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await pool.end()
  })
  return {
    admin: adminPool,
    open: async (options = {}) => {
      const schema = uniqueSchema()
      created.push(schema)
      return openPostgresStore({ ...options, connectionString: databaseUrl, schema, poolSize: 20 })
    },
  }
}

/** Opens PGlite stores in fresh schemas of one in-memory PGlite shared by the file's tests. */
export function pgliteStores(afterAll: AfterAll): {
  open: (options?: Pick<SqlStoreOptions, 'groupCommit'>) => Promise<PgliteEventStore>
  db: () => Promise<PGlite>
} {
  let shared: Promise<PGlite> | undefined
  const db = () => {
    shared ??= PGlite.create('memory://')
    return shared
  }
  afterAll(async () => {
    if (shared) await (await shared).close()
  })
  return { db, open: async (options = {}) => openPgliteStore({ ...options, db: await db(), schema: uniqueSchema() }) }
}
