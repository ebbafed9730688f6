import type { Context } from '@opentelemetry/api'
import type { RetryPolicy } from './backoff.js'
import type { Command } from './command.js'
import type { EventCoreError } from './errors.js'
import type { Event, RecordedEvent } from './event.js'
import type { EventStore } from './event-store.js'
import type { ExecutionContext } from './execution-context.js'

/** A command that ran: the versions of its streams after the append and what it wrote. */
export interface ExecutionSuccess<Keys extends string> {
  readonly ok: true
  /** The version of every stream the command read or wrote, by name, after the append. */
  readonly versions: { readonly [K in Keys]: number }
  /** The events written (empty when `decide` had nothing to do). */
  readonly events: readonly RecordedEvent[]
  readonly attempts: number
}

/** A command that did not run; nothing was written. */
export interface ExecutionFailure {
  readonly ok: false
  readonly error: EventCoreError
}

/** What {@link Executor.execute} returns. It never throws for an {@link EventCoreError}. */
export type ExecutionResult<Keys extends string> = ExecutionSuccess<Keys> | ExecutionFailure

/** What the executor reports after each command, for metrics and logs. */
export interface CommandOutcome {
  readonly command: string
  /** `exception` when the command itself threw (a bug in `apply` or `decide`): it is rethrown. */
  readonly outcome: 'success' | EventCoreError['kind'] | 'exception'
  readonly durationMs: number
  /** Attempts made, the first included. */
  readonly attempts: number
  readonly eventsWritten: number
}

/** Hooks the executor calls; they must not throw. */
export interface ExecutorObserver {
  readonly onRetry?: (retry: { command: string; attempt: number; reason: 'concurrency' | 'store-unavailable' }) => void
  readonly onOutcome?: (outcome: CommandOutcome) => void
}

/** Options of `createExecutor`. */
export interface ExecutorOptions {
  /** Where commands read and append. */
  readonly store: EventStore
  /** Attempts and back-off for conflicts and transient store errors. @default { maxAttempts: 10, baseDelayMs: 2, maxDelayMs: 250 } */
  readonly retry?: RetryPolicy
  /** Limit for one command, retries included, in milliseconds. @default 5000 */
  readonly timeoutMs?: number
  /** How many times `discover` may add streams before the command fails. @default 4 */
  readonly maxDiscoveryRounds?: number
  /** @default () => new Date() */
  readonly clock?: () => Date
  /** @default Math.random */
  readonly random?: () => number
  /** @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>
  /** Hooks for metrics and logs. @default {} */
  readonly observer?: ExecutorObserver
  /**
   * Commands that may run at once. One more fails at once with a transient `store-unavailable`
   * error coded `ERR_EVENTCORE_OVERLOADED` (HTTP 503 with `Retry-After`) instead of queueing
   * without bound behind a slow or down store. @default 1000
   */
  readonly maxConcurrent?: number
  /** The retry hint an overloaded refusal carries (`retryAfterMs`). @default 1000 */
  readonly overloadRetryAfterMs?: number
}

/** Options of one {@link Executor.execute} call. */
export interface ExecuteOptions {
  readonly context?: ExecutionContext
  /** Overrides the executor's `timeoutMs`. */
  readonly timeoutMs?: number
  /**
   * Decide the first attempt on empty streams without reading them, for commands that nearly
   * always create their streams (a registration with a fresh id). The append expects version 0 of
   * every stream, so a stream that has events fails it with a conflict, and the executor then
   * reads and decides again as usual: a wrong guess costs one round trip, never a wrong decision.
   * @default false
   */
  readonly assumeNewStreams?: boolean
  /**
   * The caller's own deadline: when it aborts (a client that disconnected, a request out of its
   * time budget, e.g. `AbortSignal.timeout(remainingMs)`), the command stops with a `timeout`
   * error, as it does at `timeoutMs`, whichever comes first. A write in flight may still commit.
   */
  readonly signal?: AbortSignal
  /**
   * The OpenTelemetry context the command's span (`command <name>`) is a child of, e.g. an HTTP
   * request's (`executionOptions` of @eventcore/http sets it). Passed explicitly because async
   * context is lost between a server's hooks and its handlers. When tracing is on, every event
   * written carries the command span's `traceId` and `spanId` in its metadata.
   * @default the active context (`context.active()`)
   */
  readonly trace?: Context
}

/** Runs commands against a store. */
export interface Executor {
  /**
   * Reads the command's streams, folds, decides and appends atomically with the expected version of
   * every stream read; on a conflict or a transient store error it re-reads and tries again.
   */
  execute<Input, State, E extends Event, Keys extends string, Found extends string>(
    command: Command<Input, State, E, Keys, Found>,
    input: Input,
    options?: ExecuteOptions,
  ): Promise<ExecutionResult<Keys | Found>>
}
