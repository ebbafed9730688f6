import type { Role } from './report.js'

/** An event as every contender writes it: a type and a small JSON object. */
export interface BenchEvent {
  readonly type: string
  readonly data: Readonly<Record<string, string | number>>
}

/** A stream to load before measuring. */
export interface StreamLoad {
  readonly streamId: string
  readonly events: readonly BenchEvent[]
}

/** The input of the two-account transfer command. */
export interface TransferRequest {
  readonly from: string
  readonly to: string
  readonly amount: number
  readonly transferId: string
}

/**
 * A contender opened for one turn. Operations that a contender does not have are absent; the
 * contender says why in {@link Contender.missing}.
 */
export interface BenchStore {
  /** Appends events to a stream that must not exist yet (expected version: no stream). */
  appendToNewStream(streamId: string, events: readonly BenchEvent[]): Promise<void>
  /** Reads a whole stream; resolves to the number of events read. */
  readStream(streamId: string): Promise<number>
  /** Starts reading the global log from its start; each call reads the next page and resolves to its size. */
  readonly catchUp?: (pageSize: number) => () => Promise<number>
  /** Runs the two-account transfer command; resolves to the retries it needed. */
  readonly transfer?: (request: TransferRequest) => Promise<number>
  /** Writes streams in bulk, for set-up; not measured. */
  load(streams: readonly StreamLoad[]): Promise<void>
  close(): Promise<void>
}

/** Where and how big a contender opens. */
export interface OpenOptions {
  /** Isolates the data of one scenario: a PostgreSQL schema, or a separate in-memory store. */
  readonly namespace: string
  /** Connections in the pool: one per concurrent caller. */
  readonly connections: number
}

/** One of the stores compared. */
export interface Contender {
  readonly name: string
  /** Short lower-case id, part of schema names. */
  readonly key: string
  readonly role: Role
  /** Why the contender cannot run at all (its server or package is missing); its rows say n/a. */
  readonly unavailable?: string
  /** Why an operation is missing from {@link BenchStore}, by operation. */
  readonly missing?: { readonly transfer?: string; readonly readAll?: string }
  open(options: OpenOptions): Promise<BenchStore>
  /** Releases what the contender keeps between turns (an embedded database). */
  dispose?(): Promise<void>
}

/**
 * A contender that cannot run, e.g. a PostgreSQL store when no server answers: its rows say n/a
 * with the reason.
 */
export function unavailableContender(identity: Pick<Contender, 'name' | 'key' | 'role'>, reason: string): Contender {
  return {
    ...identity,
    unavailable: reason,
    open: () => Promise.reject(new Error(reason)),
  }
}
