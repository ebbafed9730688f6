/** A UUID (version 7 when EventCore makes it) that identifies one event everywhere. */
export type EventId = string & { readonly __brand: 'EventId' }

/**
 * Metadata carried by every recorded event. The executor fills the well-known fields from the
 * execution context; anything else a caller adds is kept as it is.
 */
export interface EventMetadata {
  /** Ties together everything done for one request; any string is valid and is never replaced. */
  readonly correlationId?: string
  /** The id of the message (request, command or event) that caused this event. */
  readonly causationId?: string
  /** Who caused it, usually the authenticated user's id. */
  readonly actor?: string
  /** When the decision was taken (ISO-8601), from the executor's clock. */
  readonly occurredAt?: string
  /** The name of the command that decided the event. */
  readonly command?: string
  readonly [key: string]: unknown
}

/**
 * An event as a command decides it: a `type` tag and JSON `data`, plus optional fields.
 *
 * @example
 * type Deposited = Event<'Deposited', { amount: number }>
 */
export interface Event<Type extends string = string, Data = unknown> {
  readonly type: Type
  readonly data: Data
  /** Supply it to make a retried append idempotent; otherwise a UUIDv7 is generated. */
  readonly eventId?: string
  /** The version of this event type's data shape, for upcasting. @default 1 */
  readonly schemaVersion?: number
  readonly metadata?: EventMetadata
}

/** Where an event sits in the store, as stored alongside it. */
export interface RecordedFields {
  readonly eventId: EventId
  readonly streamId: string
  /** 1-based position of the event inside its stream. */
  readonly streamVersion: number
  /** Store-wide position; increases with every append but is assigned before commit. */
  readonly globalPosition: number
  /**
   * The id of the transaction that wrote the event. Together with `globalPosition` it forms the
   * {@link GlobalCursor} that orders `readAll` safely.
   */
  readonly transactionId: number
  readonly schemaVersion: number
  readonly metadata: EventMetadata
  readonly recordedAt: Date
}

/** An event read back from a store. Distributes over a union, so `type` still narrows `data`. */
export type RecordedEvent<E extends Event = Event> = E extends Event
  ? RecordedFields & { readonly type: E['type']; readonly data: E['data'] }
  : never

/**
 * A position in the global order: `(transactionId, position)`, compared as a pair.
 * Comparing the position alone loses events when transactions commit out of order.
 */
export interface GlobalCursor {
  readonly transactionId: number
  readonly position: number
}

/** The cursor before the first event. */
export const START: GlobalCursor = Object.freeze({ transactionId: 0, position: 0 })

/** Orders two cursors: negative when `a` comes first, 0 when equal, positive otherwise. */
export function compareCursors(a: GlobalCursor, b: GlobalCursor): number {
  return a.transactionId - b.transactionId || a.position - b.position
}

/** The cursor of a recorded event: resume after it to read the next one. */
export function cursorOf(event: RecordedFields): GlobalCursor {
  return { transactionId: event.transactionId, position: event.globalPosition }
}

/**
 * Makes an event with its `type` kept as a literal, so `decide` can return events inline and still
 * be checked against the command's event union.
 *
 * @example
 * return { account: [event('MoneyDeposited', { amount: 5, transferId: 't1' })] }
 */
export function event<Type extends string, Data>(
  type: Type,
  data: Data,
  options: Omit<Event<Type, Data>, 'type' | 'data'> = {},
): Event<Type, Data> {
  return { ...options, type, data }
}
