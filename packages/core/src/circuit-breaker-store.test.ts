import { describe, expect, it } from 'vitest'
import { type CircuitStateChange, circuitBreakerReadiness, withCircuitBreaker } from './circuit-breaker-store.js'
import { StoreUnavailableError } from './errors.js'
import type { EventStore } from './event-store.js'
import { createExecutor } from './executor.js'
import { createMemoryStore } from './memory-store.js'
import { openAccount } from './testing/bank.js'

/** A real memory store that throws as if its database were down while `down()` says so. */
function switchable(store: EventStore) {
  let down = false
  let calls = 0
  const fail = () => {
    calls += 1
    if (down) throw new StoreUnavailableError('connect ECONNREFUSED 127.0.0.1:5432', { transient: true })
  }
  const wrapped: EventStore = {
    ...store,
    readStreams: async (ids) => {
      fail()
      return store.readStreams(ids)
    },
    append: async (writes, options) => {
      fail()
      return store.append(writes, options)
    },
    readAll: async (options) => {
      fail()
      return store.readAll(options)
    },
  }
  return {
    store: wrapped,
    setDown: (value: boolean) => {
      down = value
    },
    calls: () => calls,
  }
}

describe('withCircuitBreaker', () => {
  it('opens on failures, fails fast with a retry hint, half-opens and closes when the store is back', async () => {
    let now = 0
    const changes: CircuitStateChange[] = []
    const database = switchable(createMemoryStore())
    const { store, breaker } = withCircuitBreaker(database.store, {
      minimumCalls: 3,
      failureRate: 0.5,
      openMs: 1000,
      clock: () => now,
      onStateChange: (change) => changes.push(change),
    })
    database.setDown(true)
    for (let i = 0; i < 3; i++) await expect(store.readAll()).rejects.toMatchObject({ kind: 'store-unavailable' })
    expect(breaker.state()).toBe('open')
    const callsWhenOpened = database.calls()

    now = 400
    await expect(store.readAll()).rejects.toMatchObject({
      code: 'ERR_EVENTCORE_CIRCUIT_OPEN',
      transient: true,
      retryAfterMs: 600,
    })
    expect(database.calls()).toBe(callsWhenOpened)
    expect(breaker.retryAfterMs()).toBe(600)

    database.setDown(false)
    now = 1000
    expect(breaker.state()).toBe('half-open')
    await store.readAll()
    expect(breaker.state()).toBe('closed')
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open', 'closed'])
    expect(changes[0]).toMatchObject({ from: 'closed', retryAfterMs: 1000 })
  })

  it('counts conflicts and validation errors as a working store', async () => {
    const { store, breaker } = withCircuitBreaker(createMemoryStore(), { minimumCalls: 2 })
    await store.append([{ streamId: 's', events: [{ type: 'A', data: {} }] }])
    for (let i = 0; i < 5; i++) {
      const result = await store.append([{ streamId: 's', events: [{ type: 'A', data: {} }] }], {
        expectedVersions: { s: 0 },
      })
      expect(result.ok).toBe(false)
      await expect(store.readAll({ limit: -1 })).rejects.toMatchObject({ kind: 'validation' })
    }
    expect(breaker.state()).toBe('closed')
  })

  it('makes the executor fail fast while open instead of retrying into a dead store', async () => {
    const database = switchable(createMemoryStore())
    const { store } = withCircuitBreaker(database.store, { minimumCalls: 1, openMs: 60_000 })
    database.setDown(true)
    await expect(store.readAll()).rejects.toMatchObject({ kind: 'store-unavailable' })
    const calls = database.calls()
    const result = await createExecutor({ store }).execute(openAccount, { id: '1', owner: 'x', balance: 1 })
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'ERR_EVENTCORE_CIRCUIT_OPEN', retryAfterMs: expect.any(Number) },
    })
    expect(database.calls()).toBe(calls)
  })

  it('keeps the other members of the store it wraps, and passes onAppend through', async () => {
    const memory = createMemoryStore()
    const { store } = withCircuitBreaker({ ...memory, pool: 'the pool' })
    expect(store.pool).toBe('the pool')
    let woken = 0
    const off = store.onAppend(() => {
      woken += 1
    })
    await store.append([{ streamId: 's', events: [{ type: 'A', data: {} }] }])
    await new Promise((resolve) => setTimeout(resolve, 0))
    off()
    expect(woken).toBe(1)
  })
})

describe('circuitBreakerReadiness', () => {
  it('fails while the breaker is open and passes once it half-opens', async () => {
    let now = 0
    const database = switchable(createMemoryStore())
    const { store, breaker } = withCircuitBreaker(database.store, { minimumCalls: 1, openMs: 1000, clock: () => now })
    const ready = circuitBreakerReadiness(breaker)
    await ready.check()
    database.setDown(true)
    await expect(store.readAll()).rejects.toMatchObject({ kind: 'store-unavailable' })
    await expect(ready.check()).rejects.toThrow(/circuit breaker is open.*1000 ms/)
    now = 1000
    await ready.check()
    expect(ready.name).toBe('event-store-circuit')
  })
})
