import { createMemoryProjectionStore } from './memory-projections.js'
import { createMemoryStore } from './memory-store.js'
import { describeProjectionContract } from './testing/projection-contract.js'

describeProjectionContract('memory', async () => {
  // At-least-once delivery: the model remembers event ids, so a redelivered event counts once.
  const totals = new Map<number, Map<string, number>>()
  const applied = new Set<string>()
  return {
    store: createMemoryStore(),
    projections: createMemoryProjectionStore(),
    model: {
      handle: async (event, { version }) => {
        if (applied.has(`${version}:${event.eventId}`)) return
        applied.add(`${version}:${event.eventId}`)
        const byStream = totals.get(version) ?? new Map<string, number>()
        totals.set(version, byStream)
        byStream.set(event.streamId, (byStream.get(event.streamId) ?? 0) + (event.data as { amount: number }).amount)
      },
      totals: async (version) => new Map(totals.get(version) ?? []),
    },
  }
})
