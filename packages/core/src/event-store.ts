import type { ConcurrencyError } from './errors.js'
import type { Event, GlobalCursor, RecordedEvent } from './event.js'
import type { ExpectedVersion } from './expected-version.js'

/** Events to append to one stream. */
export interface StreamWrite<E extends Event = Event> {
  readonly streamId: string
  readonly events: readonly E[]
}

/** Options of {@link EventStore.append}. */
export interface AppendOptions {
  /**
   * The version each stream must be at for the append to happen. May name streams that are not
   * written (read-only participants): they are checked in the same atomic step.
   * Written streams without an entry are not checked. A `Map` suits ids built at run time.
   */
  readonly expectedVersions?: Readonly<Record<string, ExpectedVersion>> | ReadonlyMap<string, ExpectedVersion>
}

/** The outcome of an append that happened (or had already happened, for a retried batch). */
export interface AppendSuccess {
  readonly ok: true
  /** The new version of every written stream, by stream id. */
  readonly versions: ReadonlyMap<string, number>
  /** The recorded events, in the order they were given. */
  readonly events: readonly RecordedEvent[]
  /** True when every event id was already stored with the same content: nothing new was written. */
  readonly duplicate: boolean
}

/**
 * An append that did not happen because a stream was not at its expected version (the normal
 * outcome of concurrency, so a value, not an exception); nothing was written.
 */
export interface AppendFailure {
  readonly ok: false
  readonly error: ConcurrencyError
}

/**
 * What {@link EventStore.append} returns. Bad input is thrown as `ValidationError`, store outages
 * as `StoreUnavailableError`.
 */
export type AppendResult = AppendSuccess | AppendFailure

/** A stream as read: its events and its current version (0 when it has none). */
export interface StreamSlice {
  readonly streamId: string
  readonly version: number
  readonly events: readonly RecordedEvent[]
}

/** Options of {@link EventStore.readStream}. */
export interface ReadStreamOptions {
  /** The first stream version to return. @default 1 */
  readonly fromVersion?: number
}

/** Options of {@link EventStore.readAll}. */
export interface ReadAllOptions {
  /** Return events after this cursor. @default START */
  readonly after?: GlobalCursor
  /** The most events to return in one page. @default 1000 */
  readonly limit?: number
}

/** One page of the global log. */
export interface ReadAllPage {
  readonly events: readonly RecordedEvent[]
  /** Pass it as `after` to read the next page; equals `after` when nothing new was found. */
  readonly cursor: GlobalCursor
}

/**
 * The contract every EventCore store meets, checked by one shared test suite
 * (`describeStoreContract` in `@eventcore/core/testing`).
 *
 * Errors follow one rule on every method: bad input (a malformed write, data that is not plain
 * JSON, an event id reused with other content, a bad read option) is **thrown** as a
 * `ValidationError`, before anything is written; a store that cannot answer **throws** a
 * `StoreUnavailableError`. Only `append` returns a failure: `{ ok: false, error: ConcurrencyError }`
 * when a stream moved, the normal outcome of concurrent writers, which the caller handles by
 * reading again.
 */
export interface EventStore {
  /**
   * Appends to one or more streams atomically, checking every expected version first. A version
   * conflict is returned as `{ ok: false }`; bad input is thrown as a `ValidationError`.
   */
  append(writes: readonly StreamWrite[], options?: AppendOptions): Promise<AppendResult>
  /** Reads a whole stream in order (in pages underneath; nothing is truncated). */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StreamSlice>
  /** Reads several whole streams; the map has an entry for every id asked for. */
  readStreams(streamIds: readonly string[]): Promise<ReadonlyMap<string, StreamSlice>>
  /**
   * Reads the global log in an order that never skips or repeats an event, even when
   * transactions commit out of order: only events of finished transactions are returned.
   */
  readAll(options?: ReadAllOptions): Promise<ReadAllPage>
  /** The current version of a stream; 0 when it has no events. */
  streamVersion(streamId: string): Promise<number>
  /**
   * Calls `listener` soon after appends commit: this process's at once, other processes' where the
   * store can hear them (PostgreSQL's NOTIFY). A wake-up, not a delivery: read with `readAll`.
   * Returns a function that stops the calls.
   */
  onAppend(listener: () => void): () => void
  /** Releases connections and files. */
  close(): Promise<void>
}
