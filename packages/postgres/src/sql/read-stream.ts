import type { RecordedEvent, StreamSlice } from '@eventcore/core'
import type { SchemaName } from '../schema-name.js'
import type { SqlConnection } from '../sql-driver.js'
import { EVENT_COLUMNS, type EventRow, statementName, toRecordedEvent } from './rows.js'
import { streamVersion } from './stream-version.js'

/**
 * Reads a whole stream from `fromVersion`, `pageSize` events per query, so a long stream never
 * arrives as one giant result and is never cut short.
 */
export async function readStream(
  db: SqlConnection,
  schema: SchemaName,
  args: { streamId: string; fromVersion: number; pageSize: number },
): Promise<StreamSlice> {
  const { streamId, pageSize } = args
  const events: RecordedEvent[] = []
  let from = Math.max(1, args.fromVersion)
  for (;;) {
    const rows = await db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${schema.quoted}.events
       WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3`,
      [streamId, from, pageSize],
      statementName(schema, 'read_stream'),
    )
    for (const row of rows) events.push(toRecordedEvent(row))
    if (rows.length < pageSize) break
    from = (events.at(-1)?.streamVersion ?? from) + 1
  }
  const last = events.at(-1)
  const version = last ? last.streamVersion : await streamVersion(db, schema, streamId)
  return { streamId, version, events }
}
