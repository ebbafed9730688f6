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

/**
 * A decoded line, or why it is not an event. `data` and `metadata` are the line's own JSON texts
 * of those fields, verbatim (what a restore loads: a parsed number would round).
 */
export type DecodedLine =
  | { readonly ok: true; readonly event: BackupEvent; readonly data: string; readonly metadata: string }
  | { readonly ok: false; readonly why: string }

/** Decodes and checks one line (without its newline): an event, in the layout `eventLine` writes. */
export function decodeEventLine(line: string): DecodedLine {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (error) {
    return { ok: false, why: `not JSON (${error instanceof Error ? error.message : String(error)})` }
  }
  if (!eventLineValidator.Check(value)) {
    const first = eventLineValidator.Errors(value)[0]
    return { ok: false, why: first ? `${first.instancePath || 'the line'} ${first.message}` : 'not an event line' }
  }
  const event = value as Static<typeof EventLineSchema>
  const texts = verbatimTexts(line, event)
  return texts
    ? { ok: true, event, ...texts }
    : { ok: false, why: 'an event, but not in the backup line layout (its fields in order, as written)' }
}

const METADATA_KEY = ',"metadata":'

/**
 * The texts of `data` and `metadata` as they stand in the line, when the line is laid out exactly
 * as `eventLine` writes it (checked: the fields before `data` and after `metadata` are rebuilt
 * from the parsed event and must match).
 */
function verbatimTexts(line: string, e: BackupEvent): { data: string; metadata: string } | undefined {
  const head = `{"tx":${e.tx},"position":${e.position},"id":"${e.id}","stream":${JSON.stringify(e.stream)},"version":${e.version},"type":${JSON.stringify(e.type)},"schemaVersion":${e.schemaVersion},"data":`
  const tail = `,"recordedAt":"${e.recordedAt}"}`
  if (!line.startsWith(head) || !line.endsWith(tail)) return undefined
  const dataEnd = valueEnd(line, head.length)
  if (!line.startsWith(METADATA_KEY, dataEnd)) return undefined
  return {
    data: line.slice(head.length, dataEnd),
    metadata: line.slice(dataEnd + METADATA_KEY.length, line.length - tail.length),
  }
}

/**
 * Where the JSON value that starts at `start` ends, in text already known to be valid JSON (so
 * only strings, their escapes and nesting need following).
 */
function valueEnd(text: string, start: number): number {
  let depth = 0
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      for (i++; i < text.length && text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === BACKSLASH) i++
      if (depth === 0) return i + 1
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--
      if (depth === 0) return i + 1
    } else if (depth === 0 && c === COMMA) return i
  }
  return text.length
}

const QUOTE = 34
const BACKSLASH = 92
const COMMA = 44
const OPEN_OBJECT = 123
const CLOSE_OBJECT = 125
const OPEN_ARRAY = 91
const CLOSE_ARRAY = 93

/** A time as backup lines write it (UTC, microseconds), so times compare as strings. */
export function microsecondTime(time: Date): string {
  return `${time.toISOString().slice(0, 23)}000Z`
}
