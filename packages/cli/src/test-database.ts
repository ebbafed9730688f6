// Test support (not built): databases for the CLI's tests to inspect, each left as a user's would be.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Event, START } from '@eventcore/core'
import { openPgliteStore, openPostgresStore, type PostgresEventStore } from '@eventcore/postgres'

/** The PostgreSQL of the test run, when there is one. */
export const databaseUrl = process.env.EVENTCORE_TEST_DATABASE_URL

/** A schema name of this test's own. */
export const uniqueSchema = (prefix: string): string => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`

/** `url` with a password in it (a server on trust or peer auth ignores it), to prove it is never printed. */
export function withPassword(url: string, password: string): string {
  const parsed = new URL(url)
  parsed.password = password
  return parsed.href
}

/** A store on the test database in `schema`, migrated or not; `drop()` removes the schema. */
export async function postgresSchema(
  schema: string,
  { migrate }: { migrate: boolean },
): Promise<{ store: PostgresEventStore; drop: () => Promise<void> }> {
  if (!databaseUrl) throw new Error('EVENTCORE_TEST_DATABASE_URL is not set')
  const store = await openPostgresStore({ connectionString: databaseUrl, schema, migrate, poolSize: 4 })
  return {
    store,
    drop: async () => {
      await store.driver.query(`DROP SCHEMA IF EXISTS ${store.schema.quoted} CASCADE`, [])
      await store.close()
    },
  }
}

/**
 * A PGlite data directory in a temp folder holding `writes`, closed again (as a stopped service
 * leaves it); `remove()` deletes it.
 */
export async function pgliteDataDir(
  writes: readonly { streamId: string; events: readonly Event[] }[],
): Promise<{ dir: string; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'eventcore-cli-'))
  const store = await openPgliteStore({ dataDir: dir })
  try {
    for (const write of writes) {
      const result = await store.append([write])
      if (!result.ok) throw result.error
    }
    // Read back once so the directory is known to hold them.
    if ((await store.readAll({ after: START })).events.length === 0 && writes.length > 0) throw new Error('not written')
  } finally {
    await store.close()
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
