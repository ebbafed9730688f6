import { uuidv7 } from '@eventcore/core'
import pg from 'pg'
import { rawProjection } from '../projection/raw-projection.js'
import { chunk } from './bulk-load.js'
import type { BenchEvent, BenchStore, Contender, ContenderIdentity } from './contender.js'
import { schemaIdentifier } from './namespaces.js'
import { type RawStatement, type RawStatements, rawSchemaSql, rawStatements } from './raw-sql.js'
import { rawTransfer } from './raw-transfer.js'

/** Runs one statement on a client checked out of the pool for it. */
export type RunStatement = <Row extends pg.QueryResultRow>(
  statement: RawStatement,
  values: readonly unknown[],
) => Promise<Row[]>

/** Checks a client out, runs the work and gives the client back, as every raw operation does. */
export type WithClient = <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>

/** Rows of events as the insert statement takes them, column by column. */
export function insertValues(rows: ReadonlyArray<{ streamId: string; version: number; event: BenchEvent }>) {
  return [
    rows.map(() => uuidv7()),
    rows.map((r) => r.streamId),
    rows.map((r) => r.version),
    rows.map((r) => r.event.type),
    rows.map((r) => JSON.stringify(r.event.data)),
    rows.map(() => '{}'),
  ]
}

/** An event as the stream read's JSON array holds it. */
interface StreamEventJson {
  readonly position: number
  readonly eventId: string
  readonly streamId: string
  readonly version: number
  readonly type: string
  readonly data: unknown
  readonly metadata: unknown
  readonly recordedAt: string
}

/** A read event as the application uses it: the JSON object with its time as a `Date`, as EventCore returns it. */
function streamEventOf(event: StreamEventJson) {
  return { ...event, recordedAt: new Date(event.recordedAt) }
}

/** The rows of the raw-SQL baseline. */
export const RAW_BASELINE: ContenderIdentity = { name: 'raw SQL (pg)', key: 'raw', role: 'raw' }

/**
 * The hand-written baseline: plain `pg`, the table of {@link rawSchemaSql}, named (prepared)
 * statements, and a client checked out and released for each operation.
 */
export function rawBaseline(connectionString: string): Contender {
  return {
    ...RAW_BASELINE,
    missing: { projectLive: 'no wake-up on append: the hand-written loop has no LISTEN/NOTIFY of its own' },
    async open({ namespace, connections }) {
      const s = schemaIdentifier(namespace)
      const pool = new pg.Pool({ connectionString, max: connections, application_name: 'eventcore-bench-raw' })
      pool.on('error', () => {})
      await pool.query(rawSchemaSql(s))
      return rawOperations(pool, s, rawStatements(s))
    },
  }
}

function rawOperations(pool: pg.Pool, schema: string, statements: RawStatements): BenchStore {
  const withClient: WithClient = async (work) => {
    const client = await pool.connect()
    try {
      return await work(client)
    } finally {
      client.release()
    }
  }
  const run: RunStatement = (statement, values) =>
    withClient(async (client) => (await client.query({ ...statement, values: [...values] })).rows)
  return {
    async appendToNewStream(streamId, events) {
      const [only] = events
      if (events.length === 1 && only) {
        await run(statements.insertOne, [uuidv7(), streamId, 1, only.type, JSON.stringify(only.data), '{}'])
        return
      }
      await run(statements.insertMany, insertValues(events.map((event, i) => ({ streamId, version: i + 1, event }))))
    },
    readStream: async (streamId) => {
      const [row] = await run<{ events: StreamEventJson[] }>(statements.readStream, [streamId])
      return (row?.events ?? []).map(streamEventOf).length
    },
    catchUp(pageSize) {
      let after = '0'
      return async () => {
        const rows = await run<{ position: string }>(statements.readAll, [after, pageSize])
        after = rows.at(-1)?.position ?? after
        return rows.length
      }
    },
    transfer: (request) => rawTransfer(withClient, statements, request),
    project: rawProjection(withClient, schema, statements),
    async load(streams) {
      const rows = streams.flatMap(({ streamId, events }) =>
        events.map((event, i) => ({ streamId, version: i + 1, event })),
      )
      for (const batch of chunk(rows, 1000)) await run(statements.insertMany, insertValues(batch))
    },
    close: () => pool.end(),
  }
}
