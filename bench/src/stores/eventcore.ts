import { createExecutor, type EventStore, START } from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import { transfer } from '@eventcore/core/testing'
import { openPgliteStore, openPostgresStore, type PgliteEventStore, type SqlEventStore } from '@eventcore/postgres'
import { type EventcoreProjections, eventcoreProjections } from '../projection/eventcore-projection.js'
import { chunk } from './bulk-load.js'
import type { BenchStore, Contender, ContenderIdentity, StreamLoad } from './contender.js'

/** The name of the memory store's rows. */
export const MEMORY_STORE = 'EventCore memory'

/** Why the memory store has no projection rows. */
const NO_SQL_READ_MODEL = 'the read model is a SQL table, committed with the checkpoint: the memory store has none'

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

/** The operations of an EventCore SQL store, with the balances projection; closing stops its runners first. */
function withProjections(store: SqlEventStore, projections: EventcoreProjections): BenchStore {
  return {
    ...eventcoreOperations(store, async () => {
      await projections.stopAll()
      await store.close()
    }),
    project: projections.project,
  }
}

/** The rows of EventCore's PostgreSQL store, with its defaults (group commit as the store decides). */
export const EVENTCORE_POSTGRES: ContenderIdentity = { name: 'EventCore PostgreSQL', key: 'ec', role: 'us' }

/**
 * The same store with group commit off (one statement and one commit per append), in the
 * operations where batching concurrent appends can show: single-event appends and transfers.
 */
export const EVENTCORE_POSTGRES_UNBATCHED: ContenderIdentity = {
  name: 'EventCore PostgreSQL (groupCommit off)',
  key: 'ecoff',
  role: 'us',
  scenarios: ['s1', 's3'],
}

// `groupCommit` is spread in as a plain object so this compiles before and after the option exists.
const GROUP_COMMIT_OFF: object = { groupCommit: false }

/**
 * EventCore's PostgreSQL store; a pool of one connection per caller, opened for each turn. With
 * `groupCommit: false`, concurrent appends are not batched into one statement.
 */
export function eventcorePostgres(
  connectionString: string,
  { groupCommit = true }: { readonly groupCommit?: boolean } = {},
): Contender {
  const options = groupCommit ? {} : GROUP_COMMIT_OFF
  return {
    ...(groupCommit ? EVENTCORE_POSTGRES : EVENTCORE_POSTGRES_UNBATCHED),
    async open({ namespace, connections }) {
      const store = await openPostgresStore({ connectionString, schema: namespace, poolSize: connections, ...options })
      // The runner's own store: one connection is enough, it reads and commits one after the other.
      const projections = eventcoreProjections(store, () =>
        openPostgresStore({ connectionString, schema: namespace, poolSize: 1, ...options }),
      )
      return withProjections(store, projections)
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
      const db = (await host).db
      const store = await openPgliteStore({ db, schema: namespace })
      return withProjections(
        store,
        eventcoreProjections(store, () => openPgliteStore({ db, schema: namespace })),
      )
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
    missing: { project: NO_SQL_READ_MODEL, projectLive: NO_SQL_READ_MODEL },
    async open({ namespace }) {
      const store = stores.get(namespace) ?? createMemoryStore()
      stores.set(namespace, store)
      return eventcoreOperations(store, async () => {})
    },
  }
}
