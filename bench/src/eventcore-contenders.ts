import { createExecutor, type EventStore, START } from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import { transfer } from '@eventcore/core/testing'
import { openPgliteStore, openPostgresStore, type PgliteEventStore } from '@eventcore/postgres'
import type { BenchStore, Contender, StreamLoad } from './contender.js'
import { chunk } from './workload.js'

/** The name of the memory store's rows. */
export const MEMORY_STORE = 'EventCore memory'

/** Events per append when loading. */
const LOAD_BATCH = 1000

/** The benchmark operations over any EventCore store; `close` is what ends this turn. */
export function eventcoreOperations(store: EventStore, close: () => Promise<void>): BenchStore {
  const executor = createExecutor({ store })
  return {
    async appendToNewStream(streamId, events) {
      const result = await store.append([{ streamId, events }], { expectedVersions: { [streamId]: 'no-stream' } })
      if (!result.ok) throw result.error
    },
    readStream: async (streamId) => (await store.readStream(streamId)).events.length,
    catchUp(pageSize) {
      let after = START
      return async () => {
        const page = await store.readAll({ after, limit: pageSize })
        after = page.cursor
        return page.events.length
      }
    },
    async transfer(request) {
      const result = await executor.execute(transfer, request)
      if (!result.ok) throw result.error
      return result.attempts - 1
    },
    async load(streams) {
      for (const batch of batchesOf(streams, LOAD_BATCH)) {
        const result = await store.append(batch)
        if (!result.ok) throw result.error
      }
    },
    close,
  }
}

/** Groups whole streams into appends of about `size` events. */
function batchesOf(streams: readonly StreamLoad[], size: number): StreamLoad[][] {
  const perStream = Math.max(1, streams[0]?.events.length ?? 1)
  return chunk(streams, Math.max(1, Math.floor(size / perStream)))
}

/** EventCore's PostgreSQL store; a pool of one connection per caller, opened for each turn. */
export function eventcorePostgres(connectionString: string): Contender {
  return {
    name: 'EventCore PostgreSQL',
    key: 'ec',
    role: 'us',
    async open({ namespace, connections }) {
      const store = await openPostgresStore({ connectionString, schema: namespace, poolSize: connections })
      return eventcoreOperations(store, () => store.close())
    },
  }
}

/**
 * EventCore's PGlite store: one in-memory PGlite for the whole run, opened by a host store that
 * owns it; each scenario's store shares it under its own schema.
 */
export function eventcorePglite(onStart: () => void): Contender {
  let host: Promise<PgliteEventStore> | undefined
  return {
    name: 'EventCore PGlite',
    key: 'lite',
    role: 'embedded',
    async open({ namespace }) {
      if (!host) {
        onStart()
        host = openPgliteStore({ dataDir: 'memory://', schema: `${namespace}_host` })
      }
      const store = await openPgliteStore({ db: (await host).db, schema: namespace })
      return eventcoreOperations(store, () => store.close())
    },
    async dispose() {
      if (host) await (await host).close()
    },
  }
}

/** EventCore's in-memory store, one per scenario, kept between turns. */
export function eventcoreMemory(): Contender {
  const stores = new Map<string, EventStore>()
  return {
    name: MEMORY_STORE,
    key: 'mem',
    role: 'embedded',
    async open({ namespace }) {
      const store = stores.get(namespace) ?? createMemoryStore()
      stores.set(namespace, store)
      return eventcoreOperations(store, async () => {})
    },
  }
}
