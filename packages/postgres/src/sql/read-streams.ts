import type { StreamSlice } from '@eventcore/core'
import type { SchemaName } from '../schema-name.js'
import type { SqlConnection } from '../sql-driver.js'
import { EVENT_COLUMNS, type EventRow, statementName, toRecordedEvent } from './rows.js'

/**
 * Reads several whole streams, paging by (stream, version) so that one query serves the common
 * case (a command's few short streams) and long streams are never cut short.
 */
export async function readStreams(
  db: SqlConnection,
  schema: SchemaName,
  args: { streamIds: readonly string[]; pageSize: number },
): Promise<Map<string, StreamSlice>> {
  const { streamIds, pageSize } = args
  const slices = new Map<string, { streamId: string; version: number; events: StreamSlice['events'][number][] }>()
  for (const streamId of streamIds) slices.set(streamId, { streamId, version: 0, events: [] })
  let after: [string, number] = ['', 0]
  for (;;) {
    const rows = await db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${schema.quoted}.events
       WHERE stream_id = ANY ($1) AND (stream_id, stream_version) > ($2, $3)
       ORDER BY stream_id, stream_version LIMIT $4`,
      [streamIds, after[0], after[1], pageSize],
      statementName(schema, 'read_streams'),
    )
    for (const row of rows) {
      const event = toRecordedEvent(row)
      const slice = slices.get(event.streamId)
      if (!slice) continue
      slice.events.push(event)
      slice.version = event.streamVersion
      after = [event.streamId, event.streamVersion]
    }
    if (rows.length < pageSize) break
  }
  return slices
}
