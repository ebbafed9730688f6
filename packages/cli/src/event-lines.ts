import type { EventMetadata, RecordedEvent } from '@eventcore/core'
import type { Colors } from './output.js'

/** An event as `--json` prints it: every stored field, dates as ISO-8601. */
export interface EventJson {
  readonly eventId: string
  readonly streamId: string
  readonly streamVersion: number
  readonly globalPosition: number
  readonly transactionId: number
  readonly type: string
  readonly schemaVersion: number
  readonly recordedAt: string
  readonly data: unknown
  readonly metadata: EventMetadata
}

/** The whole event, for `--json` (nothing truncated). */
export function eventJson(event: RecordedEvent): EventJson {
  return {
    eventId: event.eventId,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    globalPosition: event.globalPosition,
    transactionId: event.transactionId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt.toISOString(),
    data: event.data,
    metadata: event.metadata,
  }
}

/** How much of an event's data one line shows; `--json` shows all of it. */
export const DATA_CHARS = 120

/** `text` cut to `max` characters, ending in `…` when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/**
 * One line per event for people: stream version (or stream and version), global position, time,
 * type, id, and the data as compact JSON cut to {@link DATA_CHARS} characters. Metadata only in `--json`.
 */
export function eventLine(event: RecordedEvent, colors: Colors, { withStream }: { withStream: boolean }): string {
  const where = withStream ? `${event.streamId}#${event.streamVersion}` : `#${event.streamVersion}`
  const data = truncate(JSON.stringify(event.data) ?? 'null', DATA_CHARS)
  return `${colors.bold(where)} @${event.globalPosition} ${colors.dim(event.recordedAt.toISOString())} ${colors.cyan(event.type)} ${colors.dim(event.eventId)} ${data}\n`
}
