import { describeIdempotencyStoreContract, IDEMPOTENCY_T0, idempotencyBeginInput } from '@eventcore/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqlIdempotencyStore } from './sql-idempotency.js'
import type { SqlEventStore } from './sql-store.js'
import { databaseUrl, pgliteStores, postgresStores } from './test-database.js'

const t0 = IDEMPOTENCY_T0
const beginning = idempotencyBeginInput

// The contract every idempotency store honours, then what only the SQL one does: clean up.
function describeSqlIdempotency(name: string, open: () => Promise<SqlEventStore>) {
  describeIdempotencyStoreContract(`the SQL idempotency store on ${name}`, async () =>
    createSqlIdempotencyStore(await open()),
  )

  describe(`the SQL idempotency store on ${name}`, () => {
    it('cleans up expired rows in bounded batches', async () => {
      const store = await open()
      const keys = createSqlIdempotencyStore(store, { cleanupEvery: 1_000_000 })
      for (let n = 0; n < 5; n++) await keys.begin(beginning({ key: `old-${n}`, attempt: `a-${n}` }))
      await keys.begin(beginning({ key: 'live', at: t0 + 30_000 }))
      const later = new Date(t0 + 60_000)
      expect(await keys.deleteExpired(later, { limit: 3 })).toBe(3)
      expect(await keys.deleteExpired(later)).toBe(2)
      expect(await keys.deleteExpired(later)).toBe(0)
      const rows = await store.driver.query<{ key: string }>(`SELECT key FROM ${store.schema.quoted}.idempotency_keys`)
      expect(rows).toEqual([{ key: 'live' }])
    })

    it('cleans up expired rows on begin, every cleanupEvery begins', async () => {
      const store = await open()
      const keys = createSqlIdempotencyStore(store, { cleanupEvery: 2 })
      await keys.begin(beginning({ key: 'old' }))
      const count = async () =>
        (await store.driver.query(`SELECT 1 FROM ${store.schema.quoted}.idempotency_keys WHERE key = 'old'`)).length
      await keys.begin(beginning({ key: 'new', at: t0 + 60_000 }))
      expect(await count()).toBe(0)
    })

    it('refuses options and limits that are not positive integers', async () => {
      const store = await open()
      expect(() => createSqlIdempotencyStore(store, { cleanupEvery: 0 })).toThrow(/cleanupEvery must be a positive/)
      expect(() => createSqlIdempotencyStore(store, { cleanupBatch: 1.5 })).toThrow(/cleanupBatch must be a positive/)
      await expect(createSqlIdempotencyStore(store).deleteExpired(new Date(), { limit: 0 })).rejects.toThrow(
        /limit must be a positive integer/,
      )
    })
  })
}

const lite = pgliteStores(afterAll)
describeSqlIdempotency('PGlite', lite.open)

describe.runIf(databaseUrl)('PostgreSQL', () => {
  const stores = postgresStores(afterAll)
  describeSqlIdempotency('PostgreSQL', stores.open)
})
