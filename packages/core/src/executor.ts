import { backoffDelay, type RetryPolicy } from './backoff.js'
import { type Command, isRejection } from './command.js'
import { createDeadline, type Deadline } from './deadline.js'
import {
  BusinessRuleError,
  ConcurrencyError,
  type EventCoreError,
  isEventCoreError,
  StoreUnavailableError,
  ValidationError,
} from './errors.js'
import type { Event, RecordedEvent } from './event.js'
import { uuidv7 } from './event-id.js'
import type { EventStore, StreamSlice, StreamWrite } from './event-store.js'
import { type ExecutionContext, metadataFor } from './execution-context.js'
import { discoveryError, firstDuplicate, fold } from './fold.js'

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

/** Options of {@link createExecutor}. */
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

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Makes an executor over a store.
 *
 * @example
 * const executor = createExecutor({ store, timeoutMs: 2000 })
 * const result = await executor.execute(transfer, { from: 'a', to: 'b', amount: 5 })
 * if (!result.ok) console.error(result.error.kind, result.error.message)
 */
export function createExecutor(options: ExecutorOptions): Executor {
  const {
    store,
    retry = {},
    timeoutMs = 5000,
    maxDiscoveryRounds = 4,
    clock = () => new Date(),
    random = Math.random,
    sleep = defaultSleep,
    observer = {},
  } = options
  const maxAttempts = retry.maxAttempts ?? 10

  async function run<Input, State, E extends Event, Keys extends string, Found extends string>(
    command: Command<Input, State, E, Keys, Found>,
    input: Input,
    context: ExecutionContext,
    deadline: Deadline,
    progress: { attempts: number },
    assumeNewStreams: boolean,
  ): Promise<ExecutionResult<Keys | Found>> {
    const correlationId = context.correlationId ?? uuidv7()
    // The guess that every stream is new is checked by the append (version 0 expected of each).
    // Anything but a success means the guess was wrong, or decided on state that may not be real
    // (a rejection, nothing to do): read and decide as usual, at once. It is not a retry.
    const guessed = assumeNewStreams ? 1 : 0
    if (assumeNewStreams) {
      progress.attempts = 1
      try {
        const outcome = await attemptOnce(command, input, context, correlationId, deadline, true)
        if (outcome.ok) return { ...outcome, attempts: 1 }
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || !error.transient) throw error
      }
    }
    let lastConflict: ConcurrencyError | undefined
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      progress.attempts = attempt + guessed
      if (attempt > 1) await deadline.race(sleep(backoffDelay(attempt - 1, retry, random)))
      try {
        const outcome = await attemptOnce(command, input, context, correlationId, deadline, false)
        if (outcome.ok) return { ...outcome, attempts: attempt + guessed }
        if (outcome.error.kind !== 'concurrency') return outcome
        lastConflict = outcome.error
        if (attempt < maxAttempts)
          observer.onRetry?.({ command: command.name, attempt: attempt + guessed, reason: 'concurrency' })
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || !error.transient || attempt === maxAttempts) throw error
        observer.onRetry?.({ command: command.name, attempt: attempt + guessed, reason: 'store-unavailable' })
      }
    }
    return { ok: false, error: new ConcurrencyError(lastConflict?.conflicts ?? [], maxAttempts + guessed) }
  }

  async function attemptOnce<Input, State, E extends Event, Keys extends string, Found extends string>(
    command: Command<Input, State, E, Keys, Found>,
    input: Input,
    context: ExecutionContext,
    correlationId: string,
    deadline: Deadline,
    presumeEmpty: boolean,
  ): Promise<
    { ok: true; versions: Record<Keys | Found, number>; events: readonly RecordedEvent[] } | ExecutionFailure
  > {
    const named = new Map<Keys | Found, string>(Object.entries(command.streams(input)) as Array<[Keys, string]>)
    const duplicate = firstDuplicate(named)
    if (duplicate) return { ok: false, error: duplicate }
    const slices = new Map<string, StreamSlice>()
    let state = command.initialState()
    for (let rounds = 0; ; ) {
      const unread = [...new Set(named.values())].filter((id) => !slices.has(id))
      if (unread.length > 0 && presumeEmpty) {
        for (const streamId of unread) slices.set(streamId, { streamId, version: 0, events: [] })
      } else if (unread.length > 0) {
        for (const [id, slice] of await deadline.race(store.readStreams(unread))) slices.set(id, slice)
      }
      state = fold(command, named, slices)
      if (!command.discover) break
      let found = false
      for (const [key, id] of Object.entries(command.discover(state, input)) as Array<[Found, string | undefined]>) {
        if (id === undefined || named.get(key) === id) continue
        if (named.has(key))
          return { ok: false, error: discoveryError(`stream '${key}' named '${named.get(key)}', then '${id}'`) }
        named.set(key, id)
        found = true
      }
      const again = firstDuplicate(named)
      if (again) return { ok: false, error: again }
      if (!found) break
      rounds += 1
      if (rounds > maxDiscoveryRounds)
        return {
          ok: false,
          error: discoveryError(`discover still found new streams after ${maxDiscoveryRounds} rounds`),
        }
    }

    const decision = command.decide(state, input)
    if (isRejection(decision))
      return { ok: false, error: new BusinessRuleError(decision.rule, decision.message, decision.details) }

    const versions = {} as Record<Keys | Found, number>
    // Keyed by stream ids, new on nearly every call: a Map, not an object that would take a new
    // hidden class for every id.
    const expectedVersions = new Map<string, number>()
    for (const [key, id] of named) {
      const version = slices.get(id)?.version ?? 0
      versions[key] = version
      expectedVersions.set(id, version)
    }
    const occurredAt = clock()
    const writes: StreamWrite[] = []
    for (const [key, events] of Object.entries(decision) as Array<[string, readonly E[] | undefined]>) {
      if (!events || events.length === 0) continue
      const streamId = named.get(key as Keys)
      if (streamId === undefined) {
        return {
          ok: false,
          error: new ValidationError(
            [{ path: key, message: `command '${command.name}' wrote to stream '${key}', which it did not declare` }],
            'ERR_EVENTCORE_UNDECLARED_STREAM',
          ),
        }
      }
      writes.push({
        streamId,
        events: events.map((event) => ({
          ...event,
          metadata: metadataFor(event.metadata, context, correlationId, command.name, occurredAt),
        })),
      })
    }
    if (writes.length === 0) return { ok: true, versions, events: [] }

    const result = await deadline.race(store.append(writes, { expectedVersions }))
    if (!result.ok) return result
    for (const [key, id] of named) versions[key] = result.versions.get(id) ?? versions[key]
    return { ok: true, versions, events: result.events }
  }

  return {
    async execute(command, input, { context = {}, timeoutMs: limit = timeoutMs, assumeNewStreams = false } = {}) {
      const started = performance.now()
      const deadline = createDeadline(limit)
      const progress = { attempts: 0 }
      const report = (outcome: CommandOutcome['outcome'], eventsWritten: number) =>
        observer.onOutcome?.({
          command: command.name,
          outcome,
          durationMs: performance.now() - started,
          attempts: progress.attempts,
          eventsWritten,
        })
      let result: ExecutionResult<string>
      try {
        result = await run(command, input, context, deadline, progress, assumeNewStreams)
      } catch (error) {
        if (!isEventCoreError(error)) {
          report('exception', 0)
          throw error // a bug in the command (apply or decide threw): surface it as it is
        }
        result = { ok: false, error }
      } finally {
        deadline.clear()
      }
      report(result.ok ? 'success' : result.error.kind, result.ok ? result.events.length : 0)
      return result
    },
  }
}
