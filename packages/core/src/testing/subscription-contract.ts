import { expect, it } from 'vitest'
import type { RecordedEvent } from '../event.js'
import type { EventStore } from '../event-store.js'
import { subscribe } from '../subscription.js'

const numbered = (n: number) => ({ type: n % 2 ? 'Odd' : 'Even', data: { n } })

/** Subscriptions over a store: catch-up, then live, filtered, stoppable. */
export function describeSubscriptions(open: () => Promise<EventStore>): void {
  it('catches up, then delivers live appends in order, each once, until aborted', async () => {
    const store = await open()
    for (let n = 1; n <= 5; n++) await store.append([{ streamId: `sub-${n % 2}`, events: [numbered(n)] }])
    const controller = new AbortController()
    const seen: number[] = []
    const done = (async () => {
      for await (const batch of subscribe(store, { signal: controller.signal, batchSize: 2, maxPollMs: 5000 })) {
        for (const event of batch.events) seen.push((event.data as { n: number }).n)
        if (seen.length === 8) controller.abort()
      }
    })()
    await until(() => seen.length === 5)
    for (let n = 6; n <= 8; n++) await store.append([{ streamId: `sub-${n % 2}`, events: [numbered(n)] }])
    await done // ends once aborted: live appends arrived well before the 5 s poll (woken by onAppend)
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('filters by event type and stream prefix, and its cursor passes filtered-out events', async () => {
    const store = await open()
    await store.append([{ streamId: 'keep-1', events: [numbered(1), numbered(2)] }])
    await store.append([{ streamId: 'drop-1', events: [numbered(3)] }])
    await store.append([{ streamId: 'keep-2', events: [numbered(5)] }])
    const controller = new AbortController()
    const events: RecordedEvent[] = []
    let last = { transactionId: 0, position: 0 }
    for await (const batch of subscribe(store, {
      filter: { types: ['Odd'], streamPrefix: 'keep-' },
      signal: controller.signal,
    })) {
      events.push(...batch.events)
      last = batch.cursor
      controller.abort() // the first batch holds all of it: 4 events < one page
    }
    expect(events.map((e) => (e.data as { n: number }).n)).toEqual([1, 5])
    expect((await store.readAll({ after: last })).events).toEqual([])
  })
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
