import { createUpcaster } from '@eventcore/core'
import { migrateOrClose, requireMigratedOrClose } from './migrations.js'
import { schemaName } from './schema-name.js'
import type { SqlDriver } from './sql-driver.js'
import { createSqlStore, type SqlEventStore, type SqlStoreOptions } from './sql-store.js'

/**
 * What opening a SQL store is, with PostgreSQL or PGlite: refuse a bad schema name or upcaster
 * before anything is opened, connect, migrate (closing the driver when that fails), and build the
 * store (or, not migrating, check the schema is up to date). `connect` gives the driver and what the store shows besides it (its pool, its PGlite).
 */
export async function openSqlStore<Handle extends object>(
  options: SqlStoreOptions,
  connect: () => Promise<{ readonly driver: SqlDriver; readonly handle: Handle }>,
): Promise<SqlEventStore & Handle> {
  const schema = schemaName(options.schema ?? 'eventcore')
  createUpcaster(options.upcasters ?? [])
  const { driver, handle } = await connect()
  const migrate = options.migrate ?? true
  if (migrate === true) await migrateOrClose(driver, schema)
  else if (migrate === false) await requireMigratedOrClose(driver, schema)
  return { ...createSqlStore(driver, schema, options), ...handle }
}
