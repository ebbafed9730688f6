import { describe, expect, it } from 'vitest'
import { createMemoryIdempotencyStore, type IdempotencyBeginInput } from './idempotency-store.js'
import { describeIdempotencyStoreContract } from './testing/idempotency-contract.js'

describeIdempotencyStoreContract('the memory idempotency store', async () => createMemoryIdempotencyStore())

const t0 = Date.parse('2030-01-01T00:00:00Z')

function beginning(overrides: Partial<IdempotencyBeginInput> & { at?: number } = {}): IdempotencyBeginInput {
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

describe('the memory idempotency store', () => {
  it('forgets the oldest entry past maxEntries', async () => {
    const store = createMemoryIdempotencyStore({ maxEntries: 2 })
    for (const key of ['a', 'b', 'c']) await store.begin(beginning({ key }))
    expect(await store.begin(beginning({ key: 'c', attempt: 'attempt-2' }))).toEqual({ kind: 'in-progress' })
    expect(await store.begin(beginning({ key: 'b', attempt: 'attempt-2' }))).toEqual({ kind: 'in-progress' })
    expect(await store.begin(beginning({ key: 'a', attempt: 'attempt-2' }))).toEqual({ kind: 'started' })
  })

  it('refuses a maxEntries that is not a positive integer', () => {
    expect(() => createMemoryIdempotencyStore({ maxEntries: 0 })).toThrow(/maxEntries must be a positive integer/)
  })
})
