import { context as activeContext, type Context, type Span, trace } from '@opentelemetry/api'
import { type AppendBudget, appendUntilKnown } from './append-until-known.js'
import { backoffDelay } from './backoff.js'
import { type Command, isRejection } from './command.js'
import { createDeadline, type Deadline } from './deadline.js'
import {
  BusinessRuleError,
  ConcurrencyError,
  type EventCoreError,
  isEventCoreError,
  isRetryable,
  StoreUnavailableError,
  TimeoutError,
  ValidationError,
} from './errors.js'
import type { Event, RecordedEvent } from './event.js'
import { uuidv7 } from './event-id.js'
import type { EventStore, StreamWrite } from './event-store.js'
import { type ExecutionContext, metadataFor, type TraceIds } from './execution-context.js'
import type { CommandOutcome, ExecutionFailure, ExecutionResult, Executor, ExecutorOptions } from './executor-types.js'
import { DEFAULT_DISCOVERY_ROUNDS, readAndFold } from './fold.js'
import { markFailed, tracedStore, traceIdsOf, tracer, within } from './tracing.js'

export type {
  CommandOutcome,
  ExecuteOptions,
  ExecutionFailure,
  ExecutionResult,
  ExecutionSuccess,
  Executor,
  ExecutorObserver,
  ExecutorOptions,
} from './executor-types.js'

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Why an attempt after the first was made, as its span says. */
type RetryReason = 'concurrency' | 'store-unavailable'

/** Outcomes that are the system failing, not the command answering: their spans are errors. */
const FAILED_OUTCOMES: ReadonlySet<string> = new Set(['concurrency', 'store-unavailable', 'timeout', 'exception'])

/** What one command's tracing carries down to its attempts; no span when tracing is off. */
interface CommandTrace {
  readonly span: Span | undefined
  /** The command span's context: each attempt's span is its child. */
  readonly context: Context | undefined
  /** Written into every event's metadata; undefined when no trace is going on. */
  readonly ids: TraceIds | undefined
  /** How many streams the command named, once known. */
  streams: number
}

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
    maxDiscoveryRounds = DEFAULT_DISCOVERY_ROUNDS,
    clock = () => new Date(),
    random = Math.random,
    sleep = defaultSleep,
    observer = {},
    maxConcurrent = 1000,
    overloadRetryAfterMs = 1000,
  } = options
  const maxAttempts = retry.maxAttempts ?? 10
  let running = 0
  const wait = (budget: AppendBudget, deadline: Deadline, reason: 'concurrency' | 'store-unavailable') => {
    observer.onRetry?.({ command: budget.command, attempt: budget.progress.attempts, reason })
    budget.progress.attempts += 1
    return deadline.race(sleep(backoffDelay(budget.progress.attempts - 1 - budget.guessed, retry, random)))
  }

  async function run<Input, State, E extends Event, Keys extends string, Found extends string>(
    command: Command<Input, State, E, Keys, Found>,
    input: Input,
    context: ExecutionContext,
    deadline: Deadline,
    progress: { attempts: number },
    assumeNewStreams: boolean,
    traced: CommandTrace,
  ): Promise<ExecutionResult<Keys | Found>> {
    const correlationId = context.correlationId ?? uuidv7()
    // The guess that every stream is new is checked by the append (version 0 expected of each).
    // Anything but a success means the guess was wrong, or decided on state that may not be real
    // (a rejection, nothing to do): read and decide as usual, at once. It is not a retry.
    const guessed = assumeNewStreams ? 1 : 0
    // Every try counts against one budget, re-appends of an in-doubt write included (see appendUntilKnown).
    const budget: AppendBudget = { limit: maxAttempts + guessed, guessed, progress, command: command.name }
    if (assumeNewStreams) {
      progress.attempts = 1
      try {
        const outcome = await traceAttempt(command.name, traced, progress.attempts, undefined, true, (store) =>
          attemptOnce(command, input, context, correlationId, deadline, true, budget, store, traced),
        )
        if (outcome.ok) return { ...outcome, attempts: progress.attempts }
      } catch (error) {
        if (!isRetryable(error) || progress.attempts >= budget.limit) throw error
      }
    }
    let lastConflict: ConcurrencyError | undefined
    let reason: RetryReason | undefined
    while (progress.attempts < budget.limit) {
      progress.attempts += 1
      if (progress.attempts > 1 + guessed)
        await deadline.race(sleep(backoffDelay(progress.attempts - 1 - guessed, retry, random)))
      try {
        const outcome = await traceAttempt(command.name, traced, progress.attempts, reason, false, (store) =>
          attemptOnce(command, input, context, correlationId, deadline, false, budget, store, traced),
        )
        if (outcome.ok) return { ...outcome, attempts: progress.attempts }
        if (outcome.error.kind !== 'concurrency') return outcome
        lastConflict = outcome.error
        reason = 'concurrency'
        if (progress.attempts < budget.limit)
          observer.onRetry?.({ command: command.name, attempt: progress.attempts, reason: 'concurrency' })
      } catch (error) {
        if (!isRetryable(error) || progress.attempts >= budget.limit) throw error
        reason = 'store-unavailable'
        observer.onRetry?.({ command: command.name, attempt: progress.attempts, reason: 'store-unavailable' })
      }
    }
    return { ok: false, error: new ConcurrencyError(lastConflict?.conflicts ?? [], progress.attempts) }
  }

  async function attemptOnce<Input, State, E extends Event, Keys extends string, Found extends string>(
    command: Command<Input, State, E, Keys, Found>,
    input: Input,
    context: ExecutionContext,
    correlationId: string,
    deadline: Deadline,
    presumeEmpty: boolean,
    budget: AppendBudget,
    store: EventStore,
    traced: CommandTrace,
  ): Promise<
    { ok: true; versions: Record<Keys | Found, number>; events: readonly RecordedEvent[] } | ExecutionFailure
  > {
    const reading = readAndFold(command, input, maxDiscoveryRounds)
    let step = reading.next()
    while (!step.done) {
      const ids = step.value.map((stream) => stream.streamId)
      step = reading.next(
        presumeEmpty
          ? new Map(ids.map((streamId) => [streamId, { streamId, version: 0, events: [] }]))
          : await deadline.race(store.readStreams(ids)),
      )
    }
    if (!step.value.ok) return step.value
    const { state, named, slices } = step.value
    traced.streams = named.size

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
          // An id before the first try, so a re-append after a lost acknowledgement is recognised.
          eventId: event.eventId ?? uuidv7(),
          metadata: metadataFor(event.metadata, context, correlationId, command.name, occurredAt, traced.ids),
        })),
      })
    }
    if (writes.length === 0) return { ok: true, versions, events: [] }

    const result = await appendUntilKnown({ store, writes, expectedVersions, deadline, budget, wait })
    if (!result.ok) return result
    for (const [key, id] of named) versions[key] = result.versions.get(id) ?? versions[key]
    return { ok: true, versions, events: result.events }
  }

  return {
    async execute(
      command,
      input,
      { context = {}, timeoutMs: limit = timeoutMs, assumeNewStreams = false, signal, trace: parent } = {},
    ) {
      const started = performance.now()
      const progress = { attempts: 0 }
      // Explicitly under the caller's context (an HTTP request's span), else whatever is active.
      const within = parent ?? activeContext.active()
      const span = tracer()?.startSpan(
        `command ${command.name}`,
        { attributes: { 'eventcore.command': command.name } },
        within,
      )
      const traced: CommandTrace = span
        ? { span, context: trace.setSpan(within, span), ids: traceIdsOf(span), streams: 0 }
        : { span, context: undefined, ids: undefined, streams: 0 }
      const report = (outcome: CommandOutcome['outcome'], eventsWritten: number) => {
        observer.onOutcome?.({
          command: command.name,
          outcome,
          durationMs: performance.now() - started,
          attempts: progress.attempts,
          eventsWritten,
        })
        if (span?.isRecording()) {
          span.setAttributes({
            'eventcore.command.outcome': outcome === 'success' ? 'ok' : outcome,
            'eventcore.command.attempts': progress.attempts,
            'eventcore.streams.count': traced.streams,
            'eventcore.events.written': eventsWritten,
          })
          if (FAILED_OUTCOMES.has(outcome)) markFailed(span, outcome)
        }
        span?.end()
      }
      const refused = refusal(signal)
      if (refused) {
        report(refused.kind, 0)
        return { ok: false, error: refused }
      }
      running += 1
      const deadline = createDeadline(limit, signal)
      let result: ExecutionResult<string>
      try {
        result = await run(command, input, context, deadline, progress, assumeNewStreams, traced)
      } catch (error) {
        if (!isEventCoreError(error)) {
          report('exception', 0)
          throw error // a bug in the command (apply or decide threw): surface it as it is
        }
        result = { ok: false, error }
      } finally {
        running -= 1
        deadline.clear()
      }
      report(result.ok ? 'success' : result.error.kind, result.ok ? result.events.length : 0)
      return result
    },
  }

  /**
   * One attempt in a span of its own (`command <name> attempt`) under the command's, with the store
   * it reads and appends through traced under it.
   */
  async function traceAttempt<T extends { ok: boolean; error?: EventCoreError }>(
    name: string,
    traced: CommandTrace,
    attempt: number,
    reason: RetryReason | undefined,
    guess: boolean,
    work: (store: EventStore) => Promise<T>,
  ): Promise<T> {
    // Under a command span that is not recorded (tracing off, or not sampled), nothing is.
    if (!traced.context || !traced.span?.isRecording()) return work(store)
    const span = tracer()?.startSpan(`command ${name} attempt`, undefined, traced.context)
    if (!span) return work(store)
    span.setAttribute('eventcore.command.attempt', attempt)
    if (reason) span.setAttribute('eventcore.command.retry_reason', reason)
    if (guess) span.setAttribute('eventcore.command.assume_new_streams', true)
    const context = traced.context
    return within(span, async () => {
      const outcome = await work(tracedStore(store, trace.setSpan(context, span)))
      span.setAttribute('eventcore.command.outcome', outcome.ok ? 'ok' : (outcome.error?.kind ?? 'unknown'))
      return outcome
    })
  }

  /** Why a command must not start: its caller already gave up, or too many commands run. */
  function refusal(signal: AbortSignal | undefined): EventCoreError | undefined {
    if (signal?.aborted) return new TimeoutError(0, 'the caller gave up on the command before it started')
    if (running < maxConcurrent) return undefined
    return new StoreUnavailableError(`${running} commands are running, the most this executor runs at once`, {
      transient: true,
      code: 'ERR_EVENTCORE_OVERLOADED',
      retryAfterMs: overloadRetryAfterMs,
    })
  }
}
