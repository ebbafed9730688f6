import type { GlobalCursor, ReadAllPage } from '@eventcore/core'
import type { SchemaName } from '../schema-name.js'
import type { SqlConnection } from '../sql-driver.js'
import { EVENT_COLUMNS, type EventRow, statementName, toRecordedEvent } from './rows.js'

/**
 * Reads the global log after a cursor. Only rows of transactions older than every transaction still
 * running (`pg_snapshot_xmin`) are returned, in (transaction id, position) order: a transaction that
 * commits late, or took its id before another but its position after, is still delivered exactly
 * once, because no cursor can pass it while it is running.
 */
export async function readAll(
  db: SqlConnection,
  schema: SchemaName,
  args: { after: GlobalCursor; limit: number },
): Promise<ReadAllPage> {
  const { after, limit } = args
  const rows = await db.query<EventRow>(
    // Qualified names: the select list turns transaction_id into text, and an unqualified
    // ORDER BY would sort by that text ('1000' before '999').
    `SELECT ${EVENT_COLUMNS} FROM ${schema.quoted}.events e
     WHERE (e.transaction_id, e.global_position) > ($1::text::xid8, $2)
       AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY e.transaction_id, e.global_position LIMIT $3`,
    [String(after.transactionId), after.position, limit],
    statementName(schema, 'read_all'),
  )
  const events = rows.map(toRecordedEvent)
  const last = events.at(-1)
  return { events, cursor: last ? { transactionId: last.transactionId, position: last.globalPosition } : after }
}
