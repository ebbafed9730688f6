// Test support for this workspace's int tests (not exported): stores in unique schemas, dropped afterwards.
import { PGlite } from '@electric-sql/pglite'
import { openPgliteStore, openPostgresStore, type PgliteEventStore, type PostgresEventStore } from '@eventcore/postgres'
import pg from 'pg'
import { afterAll } from 'vitest'

/** The real PostgreSQL the int tests use, when CI (or you) set one. */
export const databaseUrl = process.env.EVENTCORE_TEST_DATABASE_URL

let schemas = 0
/** A schema name no other test run uses. */
export function uniqueSchema(): string {
  schemas += 1
  return `users_test_${process.pid}_${Date.now().toString(36)}_${schemas}`
}

/** Opens PGlite stores in fresh schemas of one in-memory PGlite shared by the file's tests. */
export function pgliteStores(): { open: () => Promise<PgliteEventStore> } {
  let shared: Promise<PGlite> | undefined
  afterAll(async () => {
    if (shared) await (await shared).close()
  })
  return {
    open: async () => {
      shared ??= PGlite.create('memory://')
      return openPgliteStore({ db: await shared, schema: uniqueSchema() })
    },
  }
}

/** Opens PostgreSQL stores in fresh schemas; closes them and drops the schemas after the file's tests. */
export function postgresStores(): { open: () => Promise<PostgresEventStore> } {
  const opened: PostgresEventStore[] = []
  afterAll(async () => {
    for (const store of opened) await store.close()
    if (opened.length === 0) return
    const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 })
    try {
      for (const store of opened) await admin.query(`DROP SCHEMA IF EXISTS ${store.schema.quoted} CASCADE`)
    } finally {
      await admin.end()
    }
  })
  return {
    open: async () => {
      const store = await openPostgresStore({ connectionString: databaseUrl, schema: uniqueSchema(), poolSize: 20 })
      opened.push(store)
      return store
    },
  }
}
