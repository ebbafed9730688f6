import type { Event, GlobalCursor, RecordedEvent } from './event.js'
import type { EventStore } from './event-store.js'
import type { OutageBackoff, OutageRetry } from './outage.js'

/** What a projection's handler gets besides the event. */
export interface ProjectionContext<Tx> {
  /** The transaction the checkpoint moves in (SQL stores), so the read model and it commit together. */
  readonly tx: Tx
  /** The projection version being built: write to this version's tables during a rebuild. */
  readonly version: number
}

/** What happens to an event whose handler keeps failing. */
export interface FailurePolicy {
  /** Tries per event, the first included, before `onExhausted`. @default 3 */
  readonly maxAttempts?: number
  /** First back-off between tries, doubling. @default 50 */
  readonly baseDelayMs?: number
  /**
   * `stop`: the runner stops with the event and error in its status (nothing is skipped).
   * `dead-letter`: the event is parked with its error and the projection goes on.
   * @default 'stop'
   */
  readonly onExhausted?: 'stop' | 'dead-letter'
}

/**
 * A read model built from the global log, by `handle` (per event) or `handleBatch` (per batch).
 * `version` names a build: a new version is rebuilt from the start while the current one keeps
 * serving, then takes over. `E` is the events its handler gets: those of its `eventTypes`.
 *
 * @example
 * const balances = defineProjection<SqlConnection, AccountEvent>()({
 *   name: 'balances',
 *   version: 1,
 *   eventTypes: ['Deposited'],
 *   handle: async (event, { tx }) => {
 *     // event: RecordedEvent<Deposited>, so event.data.amount is a number
 *     await tx.query('INSERT INTO balances_v1 AS b (id, amount) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET amount = b.amount + $2', [event.streamId, event.data.amount])
 *   },
 * })
 */
export type Projection<Tx = unknown, E extends Event = Event> = ProjectionSettings<E> &
  (EventHandler<Tx, E> | BatchHandler<Tx, E>)

/**
 * What every projection declares. A projection of every event (`E` = `Event`) may leave out
 * `eventTypes`; one typed with particular events must list their types, which is what makes the
 * handler's event type true.
 */
export type ProjectionSettings<E extends Event = Event> = {
  /** Letters, digits, `-`, `_` and `.`; unique per store. */
  readonly name: string
  /** A whole number ≥ 1. */
  readonly version: number
  readonly failure?: FailurePolicy
} & (string extends E['type']
  ? {
      /** Only these event types reach the handler; the checkpoint still passes the others. @default all */
      readonly eventTypes?: readonly string[]
    }
  : {
      /** Only these event types reach the handler; the checkpoint still passes the others. */
      readonly eventTypes: readonly E['type'][]
    })

/**
 * A projection that handles one event at a time. `handle` is declared as a method so that a
 * projection of particular events is still a `Projection<Tx>` (runners take any): the runner hands
 * it only events of its `eventTypes`, which a typed projection must list.
 */
export interface EventHandler<Tx, E extends Event = Event> {
  handle(event: RecordedEvent<E>, context: ProjectionContext<Tx>): Promise<void> | void
  readonly handleBatch?: never
}

/**
 * A projection that handles a whole batch at once, e.g. one multi-row upsert per batch instead of
 * one statement per event. When a batch fails, the runner retries its events one at a time (as
 * batches of one) to find the event at fault.
 */
export interface BatchHandler<Tx, E extends Event = Event> {
  handleBatch(events: readonly RecordedEvent<E>[], context: ProjectionContext<Tx>): Promise<void> | void
  readonly handle?: never
}

/** The events of `E` whose type is one of `T`; of any shape when `E` is `Event` itself. */
type EventsOfTypes<E extends Event, T extends string> = string extends E['type']
  ? Event<T, E['data']>
  : Extract<E, { readonly type: T }>

/**
 * Defines a projection whose handler gets only the events of its `eventTypes`, typed: given an
 * event union `E`, `eventTypes: ['A', 'B']` makes the handler's event a
 * `RecordedEvent<Extract<E, { type: 'A' | 'B' }>>`, and a type outside `E` fails to compile.
 * Called with the types only; the function it returns takes the projection (so that `eventTypes`
 * can be inferred while `Tx` and `E` are given).
 *
 * @example
 * const seats = defineProjection<SqlConnection, EnrollmentEvent>()({
 *   name: 'course-seats',
 *   version: 1,
 *   eventTypes: ['CourseOpened', 'SeatTaken'],
 *   handle: async (event, { tx }) => {
 *     if (event.type === 'CourseOpened') await tx.query('…', [event.streamId, event.data.seats])
 *   },
 * })
 */
export function defineProjection<Tx = unknown, E extends Event = Event>(): <const T extends E['type']>(
  projection: Projection<Tx, EventsOfTypes<E, T>> & { readonly eventTypes: readonly T[] },
) => Projection<Tx, EventsOfTypes<E, T>>
/**
 * Defines a projection of untyped events (the identity function, for type inference); prefer
 * `defineProjection<Tx, E>()({ eventTypes, … })`, whose handler needs no casts.
 */
export function defineProjection<Tx = unknown>(projection: Projection<Tx>): Projection<Tx>
export function defineProjection(projection?: object): unknown {
  return projection ?? ((typed: object) => typed)
}

/**
 * Where a projection version stands. `standby` (another process leads) and `waiting` (the store is
 * down; the runner backs off and resumes from its checkpoint) are a runner's own: they reach its
 * observer and `ProjectionRunner.state()`, never the stored checkpoint.
 */
export type ProjectionState =
  | 'idle'
  | 'running'
  | 'standby'
  | 'waiting'
  | 'stopped'
  | 'failed'
  | 'rebuilding'
  | 'retired'

/** The last failure of a projection. */
export interface ProjectionFailure {
  readonly message: string
  readonly eventId: string | undefined
  readonly at: Date
}

/** A projection version's stored checkpoint and state. */
export interface Checkpoint {
  readonly name: string
  readonly version: number
  readonly cursor: GlobalCursor
  readonly state: ProjectionState
  /** The version that serves reads; a rebuild becomes active when it catches up. */
  readonly active: boolean
  readonly processed: number
  readonly lastError: ProjectionFailure | undefined
}

/** An event a projection could not handle, parked with its error. */
export interface DeadLetter {
  readonly projection: string
  readonly version: number
  readonly eventId: string
  readonly globalPosition: number
  readonly error: string
  readonly attempts: number
  readonly failedAt: Date
}

/** Released when the holder stops or its connection dies. */
export interface Lease {
  release(): Promise<void>
  /** False once the lease is lost (its connection dropped): the runner stands down. @default always true */
  held?(): boolean
}

/**
 * Where projections keep checkpoints, and how a batch commits: one implementation per kind of
 * read model (SQL in `@eventcore/postgres`, in-memory here). Shared tests check each one.
 */
export interface ProjectionStore<Tx> {
  /** The checkpoint of a version; creates it (at the start, idle) when missing. */
  load(name: string, version: number): Promise<Checkpoint>
  /**
   * Runs `work` and moves the checkpoint from `from` to `to` in one transaction, only if the
   * checkpoint is still at `from`; otherwise nothing happens and it answers `moved`.
   */
  commit(
    name: string,
    version: number,
    step: { from: GlobalCursor; to: GlobalCursor; processed: number; deadLetter?: Omit<DeadLetter, 'failedAt'> },
    work: (tx: Tx) => Promise<void>,
  ): Promise<'committed' | 'moved'>
  setState(name: string, version: number, state: ProjectionState, failure?: ProjectionFailure | null): Promise<void>
  /** Moves a stopped version's checkpoint (reset or replay). */
  reset(name: string, version: number, cursor: GlobalCursor): Promise<void>
  /** Makes `version` the one that serves reads (and no other). */
  activate(name: string, version: number): Promise<void>
  /** One runner per projection version across processes: `undefined` while another holds it. */
  tryLease(name: string, version: number): Promise<Lease | undefined>
  list(): Promise<Checkpoint[]>
  deadLetters(name: string): Promise<DeadLetter[]>
}

/**
 * True when `event` is one the projection handles (one of its `eventTypes`), and so one of the
 * events its handler is typed for.
 *
 * @example
 * const relevant = page.events.filter((event) => handles(projection, event))
 */
export function handles<E extends Event>(
  projection: Projection<never, E>,
  event: RecordedEvent,
): event is RecordedEvent<E> {
  const types: readonly string[] | undefined = projection.eventTypes
  return !types || types.includes(event.type)
}

/** Hooks a runner calls, for metrics and logs; they must not throw. */
export interface ProjectionObserver {
  /**
   * After each committed batch. `lagSeconds` is the age of the newest event just applied, or 0
   * when the runner has caught up with the log.
   */
  readonly onBatch?: (batch: { projection: string; version: number; events: number; lagSeconds: number }) => void
  readonly onState?: (change: { projection: string; version: number; state: ProjectionState }) => void
  /** On every failed try while the store is down (the runner is `waiting`), before it backs off. */
  readonly onOutage?: (retry: { projection: string; version: number } & OutageRetry) => void
  /**
   * After an event is parked as a dead letter (policy `dead-letter`) and its checkpoint moved past
   * it: the read model now lacks that event until someone replays it.
   */
  readonly onDeadLetter?: (letter: Omit<DeadLetter, 'failedAt'>) => void
}

/** Options of {@link runProjection}. */
export interface RunProjectionOptions<Tx> {
  readonly store: EventStore
  readonly projections: ProjectionStore<Tx>
  /** Any projection, typed (`defineProjection<Tx, E>()`) or not. */
  readonly projection: Projection<Tx>
  /** Events read per batch; each batch commits in one transaction. @default 500 */
  readonly batchSize?: number
  /** How often a standby runner asks for the lease. @default 1000 */
  readonly standbyRetryMs?: number
  /** Idle polling, doubling from min to max; appends wake the runner at once. @default 50 */
  readonly minPollMs?: number
  /** @default 1000 */
  readonly maxPollMs?: number
  /**
   * While following live appends, read at most once per this many milliseconds, so that a burst
   * of appends is applied in one batch (one transaction) instead of one batch each: less work for
   * the database under load, at the price of up to this much more lag. Catching up is never slowed.
   * @default 0
   */
  readonly liveBatchDelayMs?: number
  readonly observer?: ProjectionObserver
  /** @default () => new Date() */
  readonly clock?: () => Date
  /** Back-off while the store is down (state `waiting`). @default { minMs: 100, maxMs: 5000 } */
  readonly outageBackoff?: OutageBackoff
}

/** A running projection. */
export interface ProjectionRunner {
  readonly name: string
  readonly version: number
  /**
   * Resolves with the final checkpoint when the runner ends (stopped, failed or retired). It waits
   * out store outages (see `isOutage`) instead of ending, so it rejects only on invalid options,
   * on an error no retry can cure (a `validation`, `business-rule` or `concurrency` error from a
   * store), or when stopped while the store was down before the runner ever read its checkpoint.
   */
  readonly done: Promise<Checkpoint>
  /** What the runner is doing now, `standby` and `waiting` included. */
  state(): ProjectionState
  /** Finishes the batch in hand, releases the lease and resolves as `done` does. */
  stop(): Promise<Checkpoint>
}
