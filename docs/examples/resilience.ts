// Examples for docs/executor.md and docs/stores.md: a circuit breaker, back-pressure, caller deadlines.
import {
  type CircuitStateChange,
  circuitBreakerReadiness,
  createExecutor,
  type EventStore,
  type Executor,
  withCircuitBreaker,
} from '@eventcore/core'
import { enroll } from './enrollment.js'

// #region breaker
/** One breaker per store, shared by everything that uses the store; a readiness check from it. */
export function resilientExecutor(database: EventStore, onChange: (change: CircuitStateChange) => void = () => {}) {
  const { store, breaker } = withCircuitBreaker(database, {
    failureRate: 0.5, // open when half the calls in the window failed…
    minimumCalls: 10, // …and the window holds at least this many calls
    windowMs: 10_000,
    openMs: 5000, // fail fast this long, then let probes through
    halfOpenProbes: 1, // probes that must succeed to close
    onStateChange: onChange, // e.g. metrics.circuitBreakerObserver('events')
  })
  const executor = createExecutor({ store, maxConcurrent: 200 })
  const ready = circuitBreakerReadiness(breaker) // { name, check } for /ready: fails while open
  return { store, breaker, executor, ready }
}
// #endregion breaker

// #region deadline
/** Runs a command within what is left of a request's time budget, and stops when the client leaves. */
export async function enrollWithin(executor: Executor, remainingMs: number, disconnected: AbortSignal) {
  const signal = AbortSignal.any([AbortSignal.timeout(remainingMs), disconnected])
  return executor.execute(enroll, { courseId: 'algebra', studentId: 'ada' }, { signal })
}
// #endregion deadline
