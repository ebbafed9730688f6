import type { EventId, EventMetadata, RecordedEvent } from '@eventcore/core'
import type { SchemaName } from '../schema-name.js'

/** An `events` row as the read queries select it. */
export interface EventRow {
  readonly global_position: string | number
  readonly transaction_id: string
  readonly event_id: string
  readonly stream_id: string
  readonly stream_version: string | number
  readonly type: string
  readonly schema_version: number
  readonly data: unknown
  readonly metadata: EventMetadata
  readonly recorded_at: Date
}

/** The select list that produces an {@link EventRow}. */
export const EVENT_COLUMNS =
  'global_position, transaction_id::text AS transaction_id, event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at'

/** Maps a row to a recorded event. Positions and transaction ids stay below 2^53 in practice. */
export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id as EventId,
    streamId: row.stream_id,
    streamVersion: Number(row.stream_version),
    globalPosition: Number(row.global_position),
    transactionId: Number(row.transaction_id),
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
  }
}

const names = new Map<string, string>()

/** A statement name unique to the schema, so prepared statements of two schemas never mix. */
export function statementName(schema: SchemaName, operation: string): string {
  const key = `${schema.name}\u0000${operation}`
  let name = names.get(key)
  if (name === undefined) {
    name = `eventcore_${schema.name}_${operation}`.slice(0, 63)
    names.set(key, name)
  }
  return name
}
