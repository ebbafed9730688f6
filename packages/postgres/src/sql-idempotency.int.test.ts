import { describe, expect, it } from 'vitest'
import { createSqlIdempotencyStore, type SqlIdempotencyBeginInput } from './sql-idempotency.js'
import type { SqlEventStore } from './sql-store.js'
import { databaseUrl, pgliteStores, postgresStores } from './test-database.js'

const t0 = Date.parse('2030-01-01T00:00:00Z')
const response = {
  status: 201,
  headers: { 'content-type': 'application/json; charset=utf-8', location: '/accounts/1', etag: '"1"' },
  body: '{"id":"account-1","note":"ünïcode"}',
}

function beginning(overrides: Partial<SqlIdempotencyBeginInput> & { at?: number } = {}): SqlIdempotencyBeginInput {
  const { at = t0, ...rest } = overrides
  return {
    scope: 'ada',
    key: 'k-1',
    attempt: 'attempt-1',
    fingerprint: 'f-1',
    now: new Date(at),
    expiresAt: new Date(at + 60_000),
    staleBefore: new Date(at - 10_000),
    ...rest,
  }
}

const first = { scope: 'ada', key: 'k-1', attempt: 'attempt-1' }

function describeSqlIdempotency(name: string, open: () => Promise<SqlEventStore>) {
  describe(`the SQL idempotency store on ${name}`, () => {
    it('starts a new key, then replays its stored response exactly', async () => {
      const keys = createSqlIdempotencyStore(await open())
      expect(await keys.begin(beginning())).toEqual({ kind: 'started' })
      await keys.complete(first, response)
      expect(await keys.begin(beginning({ attempt: 'attempt-2' }))).toEqual({ kind: 'replay', response })
    })

    it('reports a key in progress, a different request with it as a mismatch, and keeps scopes apart', async () => {
      const keys = createSqlIdempotencyStore(await open())
      await keys.begin(beginning())
      expect(await keys.begin(beginning({ attempt: 'attempt-2' }))).toEqual({ kind: 'in-progress' })
      expect(await keys.begin(beginning({ attempt: 'attempt-2', fingerprint: 'f-2' }))).toEqual({ kind: 'mismatch' })
      expect(await keys.begin(beginning({ scope: 'bob', attempt: 'attempt-2' }))).toEqual({ kind: 'started' })
    })

    it('starts again after a release, and ignores a release or completion by an attempt that lost the key', async () => {
      const keys = createSqlIdempotencyStore(await open())
      await keys.begin(beginning())
      await keys.release(first)
      expect(await keys.begin(beginning({ attempt: 'attempt-2' }))).toEqual({ kind: 'started' })
      await keys.release(first)
      await keys.complete(first, { ...response, body: 'stale' })
      expect(await keys.begin(beginning({ attempt: 'attempt-3' }))).toEqual({ kind: 'in-progress' })
      await keys.complete({ ...first, attempt: 'attempt-2' }, response)
      await keys.release({ ...first, attempt: 'attempt-2' })
      expect(await keys.begin(beginning({ attempt: 'attempt-3' }))).toEqual({ kind: 'replay', response })
    })

    it('replaces an expired entry, even for another request', async () => {
      const keys = createSqlIdempotencyStore(await open())
      await keys.begin(beginning())
      await keys.complete(first, response)
      expect(await keys.begin(beginning({ at: t0 + 59_999, attempt: 'attempt-2' }))).toMatchObject({ kind: 'replay' })
      const later = beginning({ at: t0 + 60_000, attempt: 'attempt-2', fingerprint: 'f-2' })
      expect(await keys.begin(later)).toEqual({ kind: 'started' })
    })

    it('takes over an abandoned entry in progress, but never a completed one', async () => {
      const keys = createSqlIdempotencyStore(await open())
      await keys.begin(beginning())
      expect(await keys.begin(beginning({ at: t0 + 10_000, attempt: 'attempt-2' }))).toEqual({ kind: 'in-progress' })
      expect(await keys.begin(beginning({ at: t0 + 10_001, attempt: 'attempt-2' }))).toEqual({ kind: 'started' })
      await keys.complete({ ...first, attempt: 'attempt-2' }, response)
      expect(await keys.begin(beginning({ at: t0 + 50_000, attempt: 'attempt-3' }))).toEqual({
        kind: 'replay',
        response,
      })
    })

    it('starts exactly one of ten concurrent begins for one key', async () => {
      const keys = createSqlIdempotencyStore(await open())
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, n) => keys.begin(beginning({ key: 'race', attempt: `attempt-${n}` }))),
      )
      expect(outcomes.filter((o) => o.kind === 'started')).toHaveLength(1)
      expect(outcomes.filter((o) => o.kind === 'in-progress')).toHaveLength(9)
    })

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

const lite = pgliteStores()
describeSqlIdempotency('PGlite', lite.open)

describe.runIf(databaseUrl)('PostgreSQL', () => {
  const stores = postgresStores()
  describeSqlIdempotency('PostgreSQL', stores.open)
})
