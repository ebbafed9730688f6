// #region contract
import { createMemoryProjectionStore } from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import { describeProjectionContract } from '@eventcore/core/testing'
import { meteredProjectionStore } from './projection-store.js'

// `open` gives every proof a store with an empty log, a projection store, and a read model that
// sums `amount` per stream and per version. This model has no transaction to share with the
// checkpoint, so it counts each event id once (at least once delivery).
describeProjectionContract('metered memory projections', async () => {
  const totals = new Map<number, Map<string, number>>()
  const seen = new Set<string>()
  return {
    store: createMemoryStore(),
    projections: meteredProjectionStore(createMemoryProjectionStore(), () => {}),
    model: {
      handle: async (event, { version }) => {
        if (seen.has(`${version}:${event.eventId}`)) return
        seen.add(`${version}:${event.eventId}`)
        const byStream = totals.get(version) ?? new Map<string, number>()
        totals.set(version, byStream)
        byStream.set(event.streamId, (byStream.get(event.streamId) ?? 0) + (event.data as { amount: number }).amount)
      },
      totals: async (version) => new Map(totals.get(version)),
    },
  }
})
// #endregion contract
