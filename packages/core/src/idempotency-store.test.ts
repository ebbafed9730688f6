import { describe, expect, it } from 'vitest'
import { createMemoryIdempotencyStore } from './idempotency-store.js'
import { describeIdempotencyStoreContract } from './testing/idempotency-contract.js'
import { idempotencyBeginInput } from './testing/idempotency-fixtures.js'

describeIdempotencyStoreContract('the memory idempotency store', async () => createMemoryIdempotencyStore())

const beginning = idempotencyBeginInput

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
