import type { Role } from '../report/report.js'

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
  /** Starts the balances projection (`projection/balances.ts`) in the background; resolves once it runs. */
  readonly project?: (options: ProjectOptions) => Promise<RunningProjection>
  /** Writes streams in bulk, for set-up; not measured. */
  load(streams: readonly StreamLoad[]): Promise<void>
  close(): Promise<void>
}

/** One batch of the balances projection, committed with its checkpoint. */
export interface AppliedBatch {
  /** Events the batch applied. */
  readonly events: number
  /** The `seq` of every applied event that carries one (the live deposits). */
  readonly seqs: readonly number[]
}

/** Options of {@link BenchStore.project}. */
export interface ProjectOptions {
  /**
   * The projection's name, also its table's (a plain lower-case identifier): a new name builds a new
   * table from the start of the log, a name used before goes on from its checkpoint.
   */
  readonly name: string
  /** Events read and applied per transaction. */
  readonly batchSize: number
  /**
   * `same-store`: the runner uses the writer's store, and is woken in-process after each append.
   * `second-store`: it opens a store of its own on the same schema (its own pool), woken as another
   * process would be, by LISTEN/NOTIFY.
   */
  readonly runner: 'same-store' | 'second-store'
  /**
   * `per-event`: one upsert per event (EventCore: `handle`). `per-batch`: the batch's deposits
   * summed per stream, one multi-row upsert per batch (EventCore: `handleBatch`). @default 'per-event'
   */
  readonly apply?: 'per-event' | 'per-batch'
  /** Called right after each batch and its checkpoint commit. */
  readonly onBatch: (batch: AppliedBatch) => void
}

/** A projection running in the background. */
export interface RunningProjection {
  /** Resolves, with why, if the projection ends by itself (it failed); stays pending otherwise. */
  readonly ended: Promise<string>
  /** Finishes the batch in hand, stops and closes what the projection opened. */
  stop(): Promise<void>
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
  /** The scenarios (by id, e.g. `s1`) this contender has rows in. @default every scenario */
  readonly scenarios?: readonly string[]
  /** Why the contender cannot run at all (its server or package is missing); its rows say n/a. */
  readonly unavailable?: string
  /**
   * Why an operation is missing from {@link BenchStore}, by operation. `project`: the catch-up
   * projection; `projectLive`: {@link BenchStore.project} following appends as they happen.
   */
  readonly missing?: {
    readonly transfer?: string
    readonly readAll?: string
    readonly project?: string
    readonly projectLive?: string
  }
  open(options: OpenOptions): Promise<BenchStore>
  /** Releases what the contender keeps between turns (an embedded database). */
  dispose?(): Promise<void>
}

/** What a contender's rows are known by, also when it cannot run. */
export type ContenderIdentity = Pick<Contender, 'name' | 'key' | 'role' | 'scenarios'>

/**
 * A contender that cannot run, e.g. a PostgreSQL store when no server answers: its rows say n/a
 * with the reason.
 */
export function unavailableContender(identity: ContenderIdentity, reason: string): Contender {
  return {
    ...identity,
    unavailable: reason,
    open: () => Promise.reject(new Error(reason)),
  }
}
