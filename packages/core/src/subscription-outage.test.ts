import { describe, expect, it } from 'vitest'
import { StoreUnavailableError } from './errors.js'
import type { EventStore } from './event-store.js'
import { createMemoryStore } from './memory-store.js'
import type { OutageRetry } from './outage.js'
import { subscribe } from './subscription.js'

/** A real memory store whose next `failures` reads throw as if the database were down. */
function recovering(store: EventStore, failures: number): EventStore {
  let left = failures
  return {
    ...store,
    async readAll(options) {
      if (left-- > 0) throw new StoreUnavailableError('Connection terminated unexpectedly', { transient: true })
      return store.readAll(options)
    },
  }
}

async function seeded(count: number) {
  const store = createMemoryStore()
  for (let n = 1; n <= count; n++) await store.append([{ streamId: `s-${n}`, events: [{ type: 'N', data: { n } }] }])
  return store
}

describe('subscribe during a store outage', () => {
  it('waits out failed reads, reports each, and delivers every event once, in order', async () => {
    const memory = await seeded(5)
    const retries: OutageRetry[] = []
    const controller = new AbortController()
    const seen: number[] = []
    for await (const batch of subscribe(recovering(memory, 4), {
      signal: controller.signal,
      batchSize: 2,
      outageBackoff: { minMs: 1, maxMs: 4 },
      onOutage: (retry) => retries.push(retry),
    })) {
      for (const event of batch.events) seen.push((event.data as { n: number }).n)
      if (seen.length >= 5) controller.abort()
    }
    expect(seen).toEqual([1, 2, 3, 4, 5])
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3, 4])
    expect(retries.every((r) => r.delayMs >= 0 && r.delayMs <= 4)).toBe(true)
  })

  it('ends when aborted while it waits out an outage', async () => {
    const memory = await seeded(1)
    const controller = new AbortController()
    const retries: OutageRetry[] = []
    const iterator = subscribe(recovering(memory, Number.POSITIVE_INFINITY), {
      signal: controller.signal,
      outageBackoff: { minMs: 60_000, maxMs: 60_000 },
      onOutage: (retry) => {
        retries.push(retry)
        controller.abort()
      },
    })
    expect(await iterator.next()).toEqual({ done: true, value: undefined })
    expect(retries).toHaveLength(1)
  })

  it('throws what no retry can cure', async () => {
    const iterator = subscribe(createMemoryStore(), { batchSize: 0 })
    await expect(iterator.next()).rejects.toMatchObject({ kind: 'validation' })
  })
})
