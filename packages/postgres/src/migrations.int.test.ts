import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { appliedMigrations, LATEST_VERSION, migrate, migrations } from './migrations.js'
import { pgDriver } from './pg-driver.js'
import { openPostgresStore } from './postgres-store.js'
import { schemaName } from './schema-name.js'
import { databaseUrl, postgresStores, uniqueSchema } from './test-database.js'

describe('migrations', () => {
  it('keep the SQL of every released version unchanged', () => {
    // A released migration must never change: add a new one instead. Update the snapshot only
    // for a migration that has not been released yet.
    for (const migration of migrations) {
      expect(migration.sql(schemaName('eventcore'))).toMatchSnapshot(`migration ${migration.version}`)
    }
  })

  it('refuse a schema name that could change the SQL', () => {
    for (const bad of ['Events', 'a-b', 'x"; DROP TABLE y; --', '', '1abc', 'a'.repeat(64)]) {
      expect(() => schemaName(bad)).toThrow(/not a valid schema name/)
    }
  })

  describe.runIf(databaseUrl)('on PostgreSQL', () => {
    const stores = postgresStores(afterAll)

    it('apply once even when eight processes migrate the same schema at the same time', async () => {
      const schema = schemaName(uniqueSchema())
      const pools = Array.from({ length: 8 }, () => new pg.Pool({ connectionString: databaseUrl, max: 1 }))
      try {
        const results = await Promise.all(pools.map((pool) => migrate(pgDriver(pool, { ownsPool: false }), schema)))
        expect(results.flatMap((r) => r.applied)).toEqual(migrations.map((m) => m.version))
        const applied = await appliedMigrations(pgDriver(pools[0] as pg.Pool, { ownsPool: false }), schema)
        expect(applied).toEqual(migrations.map((m) => m.version))
        expect(applied.at(-1)).toBe(LATEST_VERSION)
      } finally {
        await Promise.all(
          pools.map((pool) => pool.query(`DROP SCHEMA IF EXISTS ${schema.quoted} CASCADE`).then(() => pool.end())),
        )
      }
    })

    it('leave an up-to-date schema alone', async () => {
      const store = await stores.open()
      expect(await migrate(store.driver, store.schema)).toEqual({ applied: [] })
    })
  })
})

describe('an unreachable PostgreSQL', () => {
  it('fails to open with a transient store-unavailable error, quickly', async () => {
    const started = Date.now()
    const opening = openPostgresStore({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      connectTimeoutMs: 1000,
    })
    await expect(opening).rejects.toMatchObject({
      kind: 'store-unavailable',
      code: 'ERR_EVENTCORE_STORE_UNAVAILABLE',
      transient: true,
    })
    expect(Date.now() - started).toBeLessThan(5000)
  })
})
