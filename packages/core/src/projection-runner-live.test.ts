import { describe, expect, it } from 'vitest'
import type { EventStore } from './event-store.js'
import { createMemoryProjectionStore } from './memory-projections.js'
import { createMemoryStore } from './memory-store.js'
import type { ProjectionStore } from './projection.js'
import { runProjection } from './projection-runner.js'
import { until } from './test-wait.js'

describe('a projection runner following live appends', () => {
  it('applies every append without an empty read or a checkpoint listing per wake-up', async () => {
    const memory = createMemoryStore()
    let reads = 0
    const store: EventStore = {
      ...memory,
      readAll: (options) => {
        reads += 1
        return memory.readAll(options)
      },
    }
    const base = createMemoryProjectionStore()
    let listings = 0
    const projections: ProjectionStore<undefined> = {
      ...base,
      list: () => {
        listings += 1
        return base.list()
      },
    }
    const seen: number[] = []
    const runner = runProjection({
      store,
      projections,
      projection: { name: 'live', version: 1, handle: (e) => void seen.push((e.data as { n: number }).n) },
      minPollMs: 1000, // only wake-ups, not polling, drive it
      maxPollMs: 60_000,
    })
    await until(() => listings > 0) // started and caught up with the empty log
    const [readsBefore, listingsBefore] = [reads, listings]
    for (let n = 1; n <= 50; n++) {
      await memory.append([{ streamId: `s-${n}`, events: [{ type: 'N', data: { n } }] }])
      await until(() => seen.length === n)
    }
    await runner.stop()
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    // One read per append (each a short page that reached the end); listings throttled to the poll interval.
    expect(reads - readsBefore).toBeLessThanOrEqual(50)
    expect(listings - listingsBefore).toBeLessThanOrEqual(1)
  })

  it('gathers a burst of live appends into few batches with liveBatchDelayMs, and still applies every one', async () => {
    const store = createMemoryStore()
    const base = createMemoryProjectionStore()
    let commits = 0
    const projections: ProjectionStore<undefined> = {
      ...base,
      commit: (...args) => {
        commits += 1
        return base.commit(...args)
      },
    }
    const seen: number[] = []
    const runner = runProjection({
      store,
      projections,
      projection: { name: 'gathered', version: 1, handle: (e) => void seen.push((e.data as { n: number }).n) },
      liveBatchDelayMs: 1000,
    })
    await store.append([{ streamId: 's-0', events: [{ type: 'N', data: { n: 0 } }] }])
    await until(() => seen.length === 1) // live now: the next read waits for the delay
    const before = commits
    for (let n = 1; n <= 40; n++) {
      await store.append([{ streamId: `s-${n}`, events: [{ type: 'N', data: { n } }] }])
      await new Promise((resolve) => setTimeout(resolve, 1)) // time for a runner that reads at once
    }
    await until(() => seen.length === 41)
    await runner.stop()
    expect(seen).toEqual(Array.from({ length: 41 }, (_, i) => i))
    expect(commits - before).toBeLessThanOrEqual(3)
  })
})
