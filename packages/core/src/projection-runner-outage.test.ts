import { describe, expect, it } from 'vitest'
import { StoreUnavailableError, ValidationError } from './errors.js'
import type { EventStore } from './event-store.js'
import { createMemoryProjectionStore } from './memory-projections.js'
import { createMemoryStore } from './memory-store.js'
import type { ProjectionState, ProjectionStore } from './projection.js'
import { runProjection } from './projection-runner.js'
import { projectionStatus } from './projection-status.js'
import { until } from './test-wait.js'

const fast = { minPollMs: 2, maxPollMs: 20, standbyRetryMs: 10, outageBackoff: { minMs: 1, maxMs: 5 } }
const down = () => new StoreUnavailableError('connect ECONNREFUSED 127.0.0.1:5432', { transient: true })

async function seeded(count: number) {
  const store = createMemoryStore()
  for (let n = 1; n <= count; n++) await store.append([{ streamId: `s-${n}`, events: [{ type: 'N', data: { n } }] }])
  return store
}

/** A real store and a real projection store that both fail every call while `outage.down` is set. */
function outageOf(store: EventStore, base: ProjectionStore<undefined>) {
  const outage = { down: false, failed: 0 }
  const check = () => {
    if (!outage.down) return
    outage.failed += 1
    throw down()
  }
  const events: EventStore = {
    ...store,
    readAll: async (options) => {
      check()
      return store.readAll(options)
    },
  }
  const projections: ProjectionStore<undefined> = {
    ...base,
    load: async (...args) => {
      check()
      return base.load(...args)
    },
    setState: async (...args) => {
      check()
      return base.setState(...args)
    },
    tryLease: async (...args) => {
      check()
      return base.tryLease(...args)
    },
    list: async () => {
      check()
      return base.list()
    },
    activate: async (...args) => {
      check()
      return base.activate(...args)
    },
    commit: async (...args) => {
      check()
      return base.commit(...args)
    },
  }
  return { outage, events, projections }
}

describe('projection runner during a store outage (issue 8)', () => {
  it('waits while the store is down from the start, then runs from its checkpoint', async () => {
    const memory = await seeded(10)
    const { outage, events, projections } = outageOf(memory, createMemoryProjectionStore())
    outage.down = true
    const states: ProjectionState[] = []
    const retries: number[] = []
    const seen: number[] = []
    const runner = runProjection({
      store: events,
      projections,
      projection: { name: 'patient', version: 1, handle: (e) => void seen.push((e.data as { n: number }).n) },
      observer: { onState: (c) => states.push(c.state), onOutage: (r) => retries.push(r.attempt) },
      ...fast,
    })
    await until(() => retries.length >= 3)
    expect(runner.state()).toBe('waiting')
    outage.down = false
    await until(async () => (await projections.load('patient', 1)).processed >= 10)
    expect(runner.state()).toBe('running')
    expect(await runner.stop()).toMatchObject({ state: 'stopped', processed: 10 })
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(states.slice(0, 2)).toEqual(['waiting', 'running'])
    expect(retries.slice(0, 3)).toEqual([1, 2, 3])
  })

  it('survives an outage while running, reporting waiting, and applies later events exactly once', async () => {
    const memory = await seeded(5)
    const { outage, events, projections } = outageOf(memory, createMemoryProjectionStore())
    const states: ProjectionState[] = []
    const seen: number[] = []
    const runner = runProjection({
      store: events,
      projections,
      projection: { name: 'sturdy', version: 1, handle: (e) => void seen.push((e.data as { n: number }).n) },
      observer: { onState: (c) => states.push(c.state) },
      ...fast,
    })
    await until(async () => (await projections.load('sturdy', 1)).processed >= 5)
    outage.down = true
    await until(() => runner.state() === 'waiting')
    for (let n = 6; n <= 8; n++) await memory.append([{ streamId: `s-${n}`, events: [{ type: 'N', data: { n } }] }])
    const failedBefore = outage.failed
    await until(() => outage.failed >= failedBefore + 3)
    outage.down = false
    await until(async () => (await projections.load('sturdy', 1)).processed >= 8)
    await runner.stop()
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(states).toContain('waiting')
    expect(states.at(-1)).toBe('stopped')
    expect(states.lastIndexOf('running')).toBeGreaterThan(states.indexOf('waiting'))
  })

  it('shows a waiting runner as waiting in projectionStatus', async () => {
    const memory = await seeded(1)
    const base = createMemoryProjectionStore()
    const { outage, events, projections } = outageOf(memory, base)
    const runner = runProjection({
      store: events,
      projections,
      projection: { name: 'p', version: 1, handle: () => {} },
      ...fast,
    })
    await until(async () => (await base.load('p', 1)).processed >= 1)
    outage.down = true
    await until(() => runner.state() === 'waiting')
    const [status] = await projectionStatus(memory, base, { runners: [runner] })
    expect(status).toMatchObject({ name: 'p', state: 'waiting' })
    expect((await projectionStatus(memory, base))[0]?.state).toBe('running')
    outage.down = false
    await runner.stop()
  })

  it('answers the last checkpoint it read when stopped while the store is down', async () => {
    const memory = await seeded(3)
    const { outage, events, projections } = outageOf(memory, createMemoryProjectionStore())
    const runner = runProjection({
      store: events,
      projections,
      projection: { name: 'p', version: 1, handle: () => {} },
      ...fast,
    })
    await until(async () => (await projections.load('p', 1)).processed >= 3)
    outage.down = true
    await until(() => runner.state() === 'waiting')
    expect(await runner.stop()).toMatchObject({ name: 'p', state: 'stopped' })
  })

  it('rejects done when the store answers with an error no retry can cure', async () => {
    const memory = await seeded(1)
    const broken: EventStore = {
      ...memory,
      readAll: async () => {
        throw new ValidationError([{ path: 'after', message: 'is not a cursor of this store' }])
      },
    }
    const runner = runProjection({
      store: broken,
      projections: createMemoryProjectionStore(),
      projection: { name: 'p', version: 1, handle: () => {} },
      ...fast,
    })
    await expect(runner.done).rejects.toMatchObject({ kind: 'validation' })
  })
})
