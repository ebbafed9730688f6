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

/**
 * The metadata the executor writes: the context's, the well-known fields, then the event's own on
 * top: a value the command set on an event (its own correlation id, say) is never replaced.
 */
export function metadataFor(
  own: EventMetadata | undefined,
  context: ExecutionContext,
  correlationId: string,
  command: string,
  occurredAt: Date,
): EventMetadata {
  const metadata: Record<string, unknown> = { ...context.metadata, correlationId, command }
  metadata.occurredAt = occurredAt.toISOString()
  if (context.causationId !== undefined) metadata.causationId = context.causationId
  if (context.actor !== undefined) metadata.actor = context.actor
  return own ? Object.assign(metadata, own) : metadata
}
