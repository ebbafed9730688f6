import { forEachLimit } from './bulk-load.js'
import type { BenchStore, Contender, ContenderIdentity } from './contender.js'
import type { EmmettModules } from './emmett-api.js'

/** Why Emmett has no projection rows. */
const EMMETT_PROJECTIONS =
  'not measured: its consumers and projectors (postgreSQLProjector) are not wired into this bench'

/** The rows of Emmett's PostgreSQL store, the peer. */
export const EMMETT: ContenderIdentity = { name: 'Emmett 0.42 (PostgreSQL)', key: 'emt', role: 'peer' }

/**
 * Emmett 0.42's PostgreSQL store, used as its docs show: `getPostgreSQLEventStore`, then
 * `appendToStream` with `expectedStreamVersion`, `readStream`, and `readMessagesBatch` for the
 * global log. Its pool has as many connections as the other contenders'.
 *
 * Emmett's migrations look its functions and tables up by name in the whole database (`pg_proc`,
 * `pg_tables`), so a second Emmett schema in one database finds the first one's functions and
 * skips creating its own. Each scenario therefore gets its own database on the same server,
 * made by `createDatabase` (returning its URL) and dropped at the end of the run.
 */
export function emmettContender(emmett: EmmettModules, createDatabase: (name: string) => Promise<string>): Contender {
  return {
    ...EMMETT,
    missing: {
      transfer: 'no atomic append to two streams (appendToStream takes one)',
      project: EMMETT_PROJECTIONS,
      projectLive: EMMETT_PROJECTIONS,
    },
    async open({ namespace, connections }) {
      const connectionString = await createDatabase(namespace)
      const pool = new emmett.Pool({ connectionString, max: connections, application_name: 'eventcore-bench-emmett' })
      pool.on('error', () => {})
      const store = emmett.getPostgreSQLEventStore(connectionString, { connectionOptions: { pool } })
      await store.schema.migrate()
      const sql = emmett.dumbo({ connectionString, pool })
      return emmettOperations(store, emmett, sql.execute, async () => {
        await store.close()
        await sql.close()
        await pool.end()
      })
    },
  }
}

function emmettOperations(
  store: ReturnType<EmmettModules['getPostgreSQLEventStore']>,
  emmett: EmmettModules,
  execute: Parameters<EmmettModules['readMessagesBatch']>[0],
  close: () => Promise<void>,
): BenchStore {
  return {
    async appendToNewStream(streamId, events) {
      // 0n is "no events yet", checked by Emmett's SQL. (Its STREAM_DOES_NOT_EXIST is not checked in 0.42.)
      await store.appendToStream(streamId, [...events], { expectedStreamVersion: 0n })
    },
    readStream: async (streamId) => (await store.readStream(streamId)).events.length,
    catchUp(pageSize) {
      let after = 0n
      return async () => {
        const batch = await emmett.readMessagesBatch(execute, { after, batchSize: pageSize })
        after = batch.currentGlobalPosition
        return batch.messages.length
      }
    },
    async load(streams) {
      await forEachLimit(streams, 4, async ({ streamId, events }) => {
        await store.appendToStream(streamId, [...events], { expectedStreamVersion: 0n })
      })
    },
    close,
  }
}
