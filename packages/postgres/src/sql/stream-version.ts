import type { SchemaName } from '../schema-name.js'
import type { SqlConnection } from '../sql-driver.js'
import { statementName } from './rows.js'

/** The version of a stream: its last event's, read from the end of the unique index; 0 when it has none. */
export async function streamVersion(db: SqlConnection, schema: SchemaName, streamId: string): Promise<number> {
  const [row] = await db.query<{ version: string | number | null }>(
    `SELECT max(stream_version) AS version FROM ${schema.quoted}.events WHERE stream_id = $1`,
    [streamId],
    statementName(schema, 'stream_version'),
  )
  return row?.version == null ? 0 : Number(row.version)
}
