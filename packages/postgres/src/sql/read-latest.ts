import type { GlobalCursor, RecordedEvent } from '@eventcore/core'
import type { SchemaName } from '../schema-name.js'
import type { SqlConnection } from '../sql-driver.js'
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './rows.js'

/** The newest events of the global log that pass a filter, and where the log ends. */
export interface LatestEvents {
  /** At most `limit` events, oldest first. */
  readonly events: readonly RecordedEvent[]
  /**
   * The cursor of the last readable event of the whole log (filtered out or not), `START` when
   * there is none: follow the log from here with `readAll` or `subscribe` and nothing is missed or
   * shown twice.
   */
  readonly head: GlobalCursor
}

/**
 * The last `limit` events of the global log, in its (transaction id, position) order, optionally
 * only those of `types` or of streams starting with `streamPrefix` (filtered in SQL, so a rare
 * type is found however far back it is). Like `readAll`, only finished transactions are read. The
 * events are stored ones: no upcaster runs.
 *
 * @example
 * const { events, head } = await readLatest(store.driver, store.schema, { limit: 20, types: ['UserRegistered'] })
 */
export async function readLatest(
  db: SqlConnection,
  schema: SchemaName,
  args: { limit: number; types?: readonly string[]; streamPrefix?: string },
): Promise<LatestEvents> {
  const { limit, types, streamPrefix } = args
  const visible = 'e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())'
  const [last] = await db.query<{ transaction_id: string; global_position: string | number }>(
    `SELECT e.transaction_id::text AS transaction_id, e.global_position FROM ${schema.quoted}.events e
     WHERE ${visible} ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 1`,
    [],
  )
  if (!last) return { events: [], head: { transactionId: 0, position: 0 } }
  const head = { transactionId: Number(last.transaction_id), position: Number(last.global_position) }
  // Every transaction up to the head had finished when the head was read (it was below the
  // snapshot's xmin), so bounding by the head reads the same settled rows as the first statement.
  const rows = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM ${schema.quoted}.events e
     WHERE (e.transaction_id, e.global_position) <= ($1::text::xid8, $2)
       AND ($3::jsonb IS NULL OR $3::jsonb ? e.type)
       AND ($4::text IS NULL OR starts_with(e.stream_id, $4))
     ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT $5`,
    [
      last.transaction_id,
      head.position,
      types && types.length > 0 ? JSON.stringify(types) : null,
      streamPrefix ?? null,
      limit,
    ],
  )
  return { events: rows.map(toRecordedEvent).reverse(), head }
}
