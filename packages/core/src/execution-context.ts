import type { EventMetadata } from './event.js'

/** Who and what a command runs for; copied into the metadata of every event it writes. */
export interface ExecutionContext {
  /** Kept as given (any string); generated when absent so one command's events share one. */
  readonly correlationId?: string
  /** The id of the request or message that caused this command. */
  readonly causationId?: string
  /** The authenticated user. */
  readonly actor?: string
  /** Extra metadata for every event, e.g. `{ tenant: 't1' }`. */
  readonly metadata?: Readonly<Record<string, unknown>>
}

/** The W3C trace and span ids of the command span an event was written under. */
export interface TraceIds {
  readonly traceId: string
  readonly spanId: string
}

/**
 * The metadata the executor writes: the context's, the well-known fields (with `traceId` and
 * `spanId` when the command ran in a trace), then the event's own on top: a value the command set
 * on an event (its own correlation id, say) is never replaced.
 */
export function metadataFor(
  own: EventMetadata | undefined,
  context: ExecutionContext,
  correlationId: string,
  command: string,
  occurredAt: Date,
  trace?: TraceIds,
): EventMetadata {
  const metadata: Record<string, unknown> = { ...context.metadata, correlationId, command }
  metadata.occurredAt = occurredAt.toISOString()
  if (context.causationId !== undefined) metadata.causationId = context.causationId
  if (context.actor !== undefined) metadata.actor = context.actor
  if (trace) {
    metadata.traceId = trace.traceId
    metadata.spanId = trace.spanId
  }
  return own ? Object.assign(metadata, own) : metadata
}
