// Examples for docs/executor.md: options, execution context, observer hooks, deterministic tests.
import {
  type CommandOutcome,
  createExecutor,
  type EventCoreErrorKind,
  type EventStore,
  type Executor,
} from '@eventcore/core'
import { enroll } from './enrollment.js'

// #region options
/** An executor with every option spelled out (the values shown are the defaults). */
export function defaultExecutor(store: EventStore): Executor {
  return createExecutor({
    store, // required: where streams are read and events appended
    retry: {
      maxAttempts: 10, // attempts in all, the first one included
      baseDelayMs: 2, // delay cap before the first retry
      maxDelayMs: 250, // the cap never grows past this
    },
    timeoutMs: 5000, // one command, retries and back-off included
    maxDiscoveryRounds: 4, // rounds of `discover` that may add streams; one more fails the command
    clock: () => new Date(), // stamps `occurredAt` in metadata
    random: Math.random, // the jitter of the back-off
    sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    observer: {}, // onRetry / onOutcome hooks, see below
    maxConcurrent: 1000, // commands at once; one more is refused with ERR_EVENTCORE_OVERLOADED
    overloadRetryAfterMs: 1000, // the retry hint of that refusal (HTTP: Retry-After)
  })
}
// #endregion options

// #region context
/** Runs a command on behalf of a request; every event it writes carries who, why and when. */
export async function enrollForRequest(executor: Executor, request: { id: string; userId: string }) {
  return executor.execute(
    enroll,
    { courseId: 'algebra', studentId: request.userId },
    {
      context: {
        correlationId: request.id, // kept as given: any string is a valid correlation id
        causationId: request.id,
        actor: request.userId,
        metadata: { tenant: 'north-campus' }, // copied into every event
      },
      timeoutMs: 2000, // this call only; overrides the executor's timeoutMs
    },
  )
}
// #endregion context

// #region observer
/** Counts outcomes by command and kind, the shape a metrics counter wants. */
export function countingExecutor(store: EventStore) {
  const outcomes = new Map<string, number>()
  let retries = 0
  const executor = createExecutor({
    store,
    observer: {
      onRetry: ({ command, attempt, reason }) => {
        retries += 1
        if (attempt > 5) console.warn(`${command}: attempt ${attempt} failed (${reason}), retrying`)
      },
      onOutcome: (outcome: CommandOutcome) => {
        const key = `${outcome.command}/${outcome.outcome satisfies 'success' | EventCoreErrorKind | 'exception'}`
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
      },
    },
  })
  return { executor, outcomes, retries: () => retries }
}
// #endregion observer

// #region deterministic
/** For tests: a fixed clock, no jitter and no real waiting, so every run is the same. */
export function testExecutor(store: EventStore): Executor {
  return createExecutor({
    store,
    clock: () => new Date('2030-01-01T09:00:00.000Z'),
    random: () => 0, // every back-off delay becomes 0
    sleep: async () => {},
  })
}
// #endregion deterministic
