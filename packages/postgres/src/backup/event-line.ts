import { type Static, Type } from 'typebox'
import { Compile } from 'typebox/compile'
import type { SchemaName } from '../schema-name.js'
import type { BackupEvent } from './backup-types.js'

/** An `events` row as the backup reads it: everything as text, so nothing is rounded on the way. */
export interface BackupRow {
  readonly transaction_id: string
  readonly global_position: string
  readonly event_id: string
  readonly stream_id: string
  readonly stream_version: string
  readonly type: string
  readonly schema_version: number
  readonly data: string
  readonly metadata: string
  readonly recorded_at: string
}

/**
 * One page of the log in global order, after a (transaction id, position) cursor. With `since`
 * (an older snapshot), only what that snapshot did not see: an incremental backup's rows.
 * jsonb goes out as its text and the time with microseconds, so a restore gives back the very values.
 */
export function backupPageSql(schema: SchemaName, { incremental }: { incremental: boolean }): string {
  return `SELECT e.transaction_id::text AS transaction_id, e.global_position::text AS global_position,
  e.event_id::text AS event_id, e.stream_id, e.stream_version::text AS stream_version, e.type, e.schema_version,
  e.data::text AS data, e.metadata::text AS metadata,
  to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at
FROM ${schema.quoted}.events e
WHERE (e.transaction_id, e.global_position) > ($1::text::xid8, $2::bigint)
${incremental ? 'AND NOT pg_visible_in_snapshot(e.transaction_id, $4::text::pg_snapshot)' : ''}
ORDER BY e.transaction_id, e.global_position
LIMIT $3`
}

/**
 * The line of one event, fields in a fixed order; `data` and `metadata` are PostgreSQL's own jsonb
 * text (canonical: the same value prints the same on every server), so equal logs give equal bytes.
 */
export function eventLine(row: BackupRow, tx: number): string {
  return `{"tx":${tx},"position":${row.global_position},"id":"${row.event_id}","stream":${JSON.stringify(row.stream_id)},"version":${row.stream_version},"type":${JSON.stringify(row.type)},"schemaVersion":${row.schema_version},"data":${row.data},"metadata":${row.metadata},"recordedAt":"${row.recorded_at}"}\n`
}

const positiveInteger = Type.Integer({ minimum: 1 })
const EventLineSchema = Type.Object(
  {
    tx: positiveInteger,
    position: positiveInteger,
    id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }),
    stream: Type.String({ minLength: 1 }),
    version: positiveInteger,
    type: Type.String({ minLength: 1 }),
    schemaVersion: Type.Integer(),
    data: Type.Unknown(),
    metadata: Type.Record(Type.String(), Type.Unknown()),
    recordedAt: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$' }),
  },
  { additionalProperties: false },
)
const eventLineValidator = Compile(EventLineSchema)

/** A decoded line, or why it is not an event. */
export type DecodedLine =
  | { readonly ok: true; readonly event: BackupEvent }
  | { readonly ok: false; readonly why: string }

/** Decodes and checks one line (without its newline). */
export function decodeEventLine(line: string): DecodedLine {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (error) {
    return { ok: false, why: `not JSON (${error instanceof Error ? error.message : String(error)})` }
  }
  if (eventLineValidator.Check(value)) return { ok: true, event: value as Static<typeof EventLineSchema> }
  const first = eventLineValidator.Errors(value)[0]
  return {
    ok: false,
    why: first ? `${first.instancePath || 'the line'} ${first.message}` : 'not an event line',
  }
}

/** A time as backup lines write it (UTC, microseconds), so times compare as strings. */
export function microsecondTime(time: Date): string {
  return `${time.toISOString().slice(0, 23)}000Z`
}
