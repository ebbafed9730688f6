import { describe, expect, it } from 'vitest'
import { requestFingerprint } from './idempotency-fingerprint.js'
import { createMemoryIdempotencyStore, type IdempotencyBeginInput } from './idempotency-store.js'

const t0 = Date.parse('2030-01-01T00:00:00Z')
const response = { status: 201, headers: { 'content-type': 'application/json', location: '/a/1' }, body: '{"id":1}' }

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
  it('starts a new key, then replays its response to the same request', async () => {
    const store = createMemoryIdempotencyStore()
    expect(await store.begin(beginning())).toEqual({ kind: 'started' })
    await store.complete({ scope: 'ada', key: 'k-1', attempt: 'attempt-1' }, response)
    expect(await store.begin(beginning({ attempt: 'attempt-2' }))).toEqual({ kind: 'replay', response })
  })

  it('reports a key in progress, and a different request with the key as a mismatch', async () => {
    const store = createMemoryIdempotencyStore()
    await store.begin(beginning())
    expect(await store.begin(beginning({ attempt: 'attempt-2' }))).toEqual({ kind: 'in-progress' })
    expect(await store.begin(beginning({ attempt: 'attempt-2', fingerprint: 'f-2' }))).toEqual({ kind: 'mismatch' })
  })

  it('keeps the same key of two scopes apart', async () => {
    const store = createMemoryIdempotencyStore()
    await store.begin(beginning())
    expect(await store.begin(beginning({ scope: 'bob', fingerprint: 'f-2' }))).toEqual({ kind: 'started' })
  })

  it('starts again after a release', async () => {
    const store = createMemoryIdempotencyStore()
    await store.begin(beginning())
    await store.release({ scope: 'ada', key: 'k-1', attempt: 'attempt-1' })
    expect(await store.begin(beginning({ attempt: 'attempt-2' }))).toEqual({ kind: 'started' })
  })

  it('starts afresh once an entry has expired, even for another request', async () => {
    const store = createMemoryIdempotencyStore()
    await store.begin(beginning())
    await store.complete({ scope: 'ada', key: 'k-1', attempt: 'attempt-1' }, response)
    const later = beginning({ at: t0 + 60_000, attempt: 'attempt-2', fingerprint: 'f-2' })
    expect(await store.begin(later)).toEqual({ kind: 'started' })
  })

  it('takes over an abandoned entry, and ignores the old attempt when it finishes late', async () => {
    const store = createMemoryIdempotencyStore()
    await store.begin(beginning())
    expect(await store.begin(beginning({ at: t0 + 10_000, attempt: 'attempt-2' }))).toEqual({ kind: 'in-progress' })
    expect(await store.begin(beginning({ at: t0 + 10_001, attempt: 'attempt-2' }))).toEqual({ kind: 'started' })
    await store.complete({ scope: 'ada', key: 'k-1', attempt: 'attempt-1' }, { ...response, body: 'old' })
    await store.release({ scope: 'ada', key: 'k-1', attempt: 'attempt-1' })
    expect(await store.begin(beginning({ at: t0 + 10_002, attempt: 'attempt-3' }))).toEqual({ kind: 'in-progress' })
    await store.complete({ scope: 'ada', key: 'k-1', attempt: 'attempt-2' }, response)
    expect(await store.begin(beginning({ at: t0 + 10_003, attempt: 'attempt-3' }))).toEqual({
      kind: 'replay',
      response,
    })
  })

  it('never takes over a completed entry, however old', async () => {
    const store = createMemoryIdempotencyStore()
    await store.begin(beginning())
    await store.complete({ scope: 'ada', key: 'k-1', attempt: 'attempt-1' }, response)
    await store.release({ scope: 'ada', key: 'k-1', attempt: 'attempt-1' })
    expect(await store.begin(beginning({ at: t0 + 59_999, attempt: 'attempt-2' }))).toEqual({
      kind: 'replay',
      response,
    })
  })

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

describe('the request fingerprint', () => {
  it('ignores the order of keys in the body, at any depth', () => {
    expect(requestFingerprint('POST', '/users', { a: 1, b: { c: [1, { d: 2, e: 3 }] } })).toBe(
      requestFingerprint('post', '/users', { b: { c: [1, { e: 3, d: 2 }] }, a: 1 }),
    )
  })

  it('tells apart the method, the URL, the body and no body', () => {
    const prints = [
      requestFingerprint('POST', '/users', { a: 1 }),
      requestFingerprint('PATCH', '/users', { a: 1 }),
      requestFingerprint('POST', '/users?x', { a: 1 }),
      requestFingerprint('POST', '/users', { a: 2 }),
      requestFingerprint('POST', '/users', [1]),
      requestFingerprint('POST', '/users', undefined),
    ]
    expect(new Set(prints).size).toBe(prints.length)
  })
})
