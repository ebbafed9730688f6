import { describe, expect, it } from 'vitest'
import type { EventStore } from './event-store.js'
import { createMemoryProjectionStore } from './memory-projections.js'
import { createMemoryStore } from './memory-store.js'
import type { Lease, ProjectionStore } from './projection.js'
import { runProjection } from './projection-runner.js'
import { until } from './test-wait.js'

const fast = { minPollMs: 2, maxPollMs: 20, standbyRetryMs: 10 }

async function seeded(count: number) {
  const store = createMemoryStore()
  for (let n = 1; n <= count; n++) await store.append([{ streamId: `s-${n}`, events: [{ type: 'N', data: { n } }] }])
  return store
}

describe('projection runner', () => {
  it('rides out a store outage without failing the projection or blaming an event', async () => {
    const memory = await seeded(20)
    let outages = 3
    const flaky: EventStore = {
      ...memory,
      readAll: async (options) => {
        if (outages-- > 0) throw new Error('connection reset')
        return memory.readAll(options)
      },
    }
    const base = createMemoryProjectionStore()
    let commitFailures = 2
    const projections: ProjectionStore<undefined> = {
      ...base,
      commit: async (...args) => {
        if (commitFailures-- > 0) throw new Error('checkpoint table unavailable')
        return base.commit(...args)
      },
    }
    const seen: number[] = []
    const runner = runProjection({
      store: flaky,
      projections,
      projection: {
        name: 'sturdy',
        version: 1,
        handle: (event) => void seen.push((event.data as { n: number }).n),
        failure: { maxAttempts: 1, onExhausted: 'dead-letter' },
      },
      ...fast,
    })
    await until(async () => (await projections.load('sturdy', 1)).processed >= 20)
    const final = await runner.stop()
    expect(final).toMatchObject({ state: 'stopped', processed: 20 })
    expect(await projections.deadLetters('sturdy')).toEqual([])
    expect([...new Set(seen)].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
  })

  it('stands down when its lease is lost, so the standby can lead', async () => {
    const store = await seeded(5)
    const base = createMemoryProjectionStore()
    const leases: Array<{ lost: boolean }> = []
    const projections: ProjectionStore<undefined> = {
      ...base,
      tryLease: async (name, version) => {
        const lease = await base.tryLease(name, version)
        if (!lease) return undefined
        const state = { lost: false }
        leases.push(state)
        const held: Lease = { release: () => lease.release(), held: () => !state.lost }
        return held
      },
    }
    const states: string[] = []
    const runner = runProjection({
      store,
      projections,
      projection: { name: 'leased', version: 1, handle: () => {} },
      observer: { onState: (change) => states.push(change.state) },
      ...fast,
    })
    await until(async () => (await projections.load('leased', 1)).processed >= 5)
    const first = leases[0]
    if (!first) throw new Error('expected a lease')
    first.lost = true // its connection dropped: the database released the lock
    await until(() => leases.length === 2) // it stood down, released, and took the lease again
    await store.append([{ streamId: 'late', events: [{ type: 'N', data: { n: 6 } }] }])
    await until(async () => (await projections.load('leased', 1)).processed >= 6)
    await runner.stop()
  })

  it('tells its observer of each event it parks as a dead letter, and of no other', async () => {
    const store = await seeded(5)
    const projections = createMemoryProjectionStore()
    const parked: unknown[] = []
    const runner = runProjection({
      store,
      projections,
      projection: {
        name: 'picky',
        version: 1,
        handle: (event) => {
          if ((event.data as { n: number }).n % 2 === 0) throw new Error(`no even numbers: ${event.streamId}`)
        },
        failure: { maxAttempts: 2, baseDelayMs: 1, onExhausted: 'dead-letter' },
      },
      observer: { onDeadLetter: (letter) => parked.push(letter) },
      ...fast,
    })
    await until(async () => (await projections.load('picky', 1)).cursor.position >= 5)
    await runner.stop()
    const stored = await projections.deadLetters('picky')
    expect(stored.map((letter) => letter.eventId)).toHaveLength(2)
    expect(parked).toEqual(stored.map(({ failedAt: _failedAt, ...letter }) => letter))
    expect(parked).toMatchObject([
      { projection: 'picky', version: 1, error: 'no even numbers: s-2', attempts: 2 },
      { projection: 'picky', version: 1, error: 'no even numbers: s-4', attempts: 2 },
    ])
  })

  it('refuses a projection name that is not an identifier', async () => {
    const runner = runProjection({
      store: createMemoryStore(),
      projections: createMemoryProjectionStore(),
      projection: { name: 'no spaces; please', version: 1, handle: () => {} },
    })
    await expect(runner.done).rejects.toThrow(/projection name must be/)
  })
})
