import { describe, expect, it } from 'vitest'
import type { IdempotencyStore } from '../idempotency-store.js'
import { IDEMPOTENCY_T0, idempotencyBeginInput } from './idempotency-fixtures.js'

const t0 = IDEMPOTENCY_T0
const beginning = idempotencyBeginInput
const response = {
  status: 201,
  headers: { 'content-type': 'application/json; charset=utf-8', location: '/accounts/1', etag: '"1"' },
  body: '{"id":"account-1","note":"ünïcode"}',
}

const first = { scope: 'ada', key: 'k-1', attempt: 'attempt-1' }

/**
 * The tests every {@link IdempotencyStore} must pass. `open` is called by every test and must
 * return a store with no entries (a fresh instance, schema or database).
 *
 * @example
 * describeIdempotencyStoreContract('memory', async () => createMemoryIdempotencyStore())
 */
export function describeIdempotencyStoreContract(name: string, open: () => Promise<IdempotencyStore>): void {
  describe(`${name} honours the IdempotencyStore contract`, () => {
    it('starts a new key, then replays its stored response exactly', async () => {
      const keys = await open()
      expect(await keys.begin(beginning())).toEqual({ kind: 'started' })
      await keys.complete(first, response)
      expect(await keys.begin(beginning({ attempt: 'attempt-2' }))).toEqual({ kind: 'replay', response })
    })

    it('reports a key in progress, and a different request with the key as a mismatch', async () => {
      const keys = await open()
      await keys.begin(beginning())
      expect(await keys.begin(beginning({ attempt: 'attempt-2' }))).toEqual({ kind: 'in-progress' })
      expect(await keys.begin(beginning({ attempt: 'attempt-2', fingerprint: 'f-2' }))).toEqual({ kind: 'mismatch' })
    })

    it('keeps the same key of two scopes apart', async () => {
      const keys = await open()
      await keys.begin(beginning())
      expect(await keys.begin(beginning({ scope: 'bob', attempt: 'attempt-2' }))).toEqual({ kind: 'started' })
      expect(await keys.begin(beginning({ scope: 'cy', fingerprint: 'f-2' }))).toEqual({ kind: 'started' })
    })

    it('starts again after a release, and ignores a release or completion by an attempt that lost the key', async () => {
      const keys = await open()
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

    it('starts afresh once an entry has expired, even for another request', async () => {
      const keys = await open()
      await keys.begin(beginning())
      await keys.complete(first, response)
      expect(await keys.begin(beginning({ at: t0 + 59_999, attempt: 'attempt-2' }))).toMatchObject({ kind: 'replay' })
      const later = beginning({ at: t0 + 60_000, attempt: 'attempt-2', fingerprint: 'f-2' })
      expect(await keys.begin(later)).toEqual({ kind: 'started' })
    })

    it('takes over an abandoned entry in progress (never a completed one), and ignores the old attempt when it finishes late', async () => {
      const keys = await open()
      await keys.begin(beginning())
      expect(await keys.begin(beginning({ at: t0 + 10_000, attempt: 'attempt-2' }))).toEqual({ kind: 'in-progress' })
      expect(await keys.begin(beginning({ at: t0 + 10_001, attempt: 'attempt-2' }))).toEqual({ kind: 'started' })
      await keys.complete(first, { ...response, body: 'old' })
      await keys.release(first)
      expect(await keys.begin(beginning({ at: t0 + 10_002, attempt: 'attempt-3' }))).toEqual({ kind: 'in-progress' })
      await keys.complete({ ...first, attempt: 'attempt-2' }, response)
      expect(await keys.begin(beginning({ at: t0 + 10_003, attempt: 'attempt-3' }))).toEqual({
        kind: 'replay',
        response,
      })
      // Completed, it is never taken over, however long ago it began.
      expect(await keys.begin(beginning({ at: t0 + 50_000, attempt: 'attempt-3' }))).toEqual({
        kind: 'replay',
        response,
      })
    })

    it('never takes over a completed entry, however old', async () => {
      const keys = await open()
      await keys.begin(beginning())
      await keys.complete(first, response)
      await keys.release(first)
      expect(await keys.begin(beginning({ at: t0 + 59_999, attempt: 'attempt-2' }))).toEqual({
        kind: 'replay',
        response,
      })
    })

    it('starts exactly one of ten concurrent begins for one key', async () => {
      const keys = await open()
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, n) => keys.begin(beginning({ key: 'race', attempt: `attempt-${n}` }))),
      )
      expect(outcomes.filter((o) => o.kind === 'started')).toHaveLength(1)
      expect(outcomes.filter((o) => o.kind === 'in-progress')).toHaveLength(9)
    })
  })
}
