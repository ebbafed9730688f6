import {
  admitCall,
  type Circuit,
  type CircuitSettings,
  type CircuitState,
  CLOSED_CIRCUIT,
  recordCall,
} from './circuit-breaker.js'
import { StoreUnavailableError } from './errors.js'
import type { EventStore } from './event-store.js'

/** A change of a circuit's state, as `onStateChange` gets it. */
export interface CircuitStateChange {
  readonly from: CircuitState
  readonly to: CircuitState
  /** When the circuit lets a probe through next, while open. */
  readonly retryAfterMs: number | undefined
}

/** Options of {@link withCircuitBreaker}. */
export interface CircuitBreakerOptions extends CircuitSettings {
  /** Milliseconds now. @default Date.now */
  readonly clock?: () => number
  /** Called on every change of state (for logs, metrics); must not throw. */
  readonly onStateChange?: (change: CircuitStateChange) => void
}

/** Reads the state of a store's circuit breaker. */
export interface CircuitBreaker {
  /** The state now (an open circuit whose `openMs` passed reads as `half-open`). */
  state(): CircuitState
  /** Milliseconds until an open circuit lets a probe through; `undefined` unless open. */
  retryAfterMs(): number | undefined
}

/** A store behind a circuit breaker, and the breaker. */
export interface CircuitBreakerStore<S extends EventStore = EventStore> {
  /** The store, its other members (a pool, say) kept, its calls behind the breaker. */
  readonly store: S
  readonly breaker: CircuitBreaker
}

/**
 * Puts one circuit breaker in front of a store (make one per store and share it, never one per
 * call). Calls that throw a `store-unavailable` error count as failures; every other outcome,
 * validation and version conflicts included, is the store working. When the failure rate over the
 * window reaches `failureRate`, the circuit opens: calls fail at once with a transient
 * `StoreUnavailableError` coded `ERR_EVENTCORE_CIRCUIT_OPEN` whose `retryAfterMs` says when it
 * half-opens, instead of each waiting for a dead database's timeouts. After `openMs` it lets
 * `halfOpenProbes` calls through: it closes when they succeed and opens again when one fails.
 * `onAppend` and `close` pass through.
 *
 * @example
 * const { store, breaker } = withCircuitBreaker(await openPostgresStore({ connectionString }), {
 *   failureRate: 0.5,
 *   openMs: 5000,
 *   onStateChange: ({ from, to }) => log.warn({ from, to }, 'event store circuit'),
 * })
 * const executor = createExecutor({ store })
 * if (breaker.state() === 'open') console.log(`store down; retry in ${breaker.retryAfterMs()} ms`)
 */
export function withCircuitBreaker<S extends EventStore>(
  store: S,
  options: CircuitBreakerOptions = {},
): CircuitBreakerStore<S> {
  const { clock = Date.now, onStateChange, ...settings } = options
  let circuit: Circuit = CLOSED_CIRCUIT

  const move = (next: Circuit) => {
    const from = circuit.state
    circuit = next
    if (next.state !== from) onStateChange?.({ from, to: next.state, retryAfterMs: retryAfterMs() })
  }
  const retryAfterMs = () =>
    circuit.state === 'open' ? Math.max(0, circuit.openedAt + (settings.openMs ?? 5000) - clock()) : undefined

  async function guarded<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const startedAt = clock()
    const asked = admitCall(circuit, startedAt, settings)
    move(asked.circuit)
    if (!asked.admitted)
      throw new StoreUnavailableError(
        `${operation} refused: the event store's circuit breaker is ${circuit.state} after repeated failures`,
        { transient: true, code: 'ERR_EVENTCORE_CIRCUIT_OPEN', retryAfterMs: asked.retryAfterMs },
      )
    const { probe } = asked
    try {
      const result = await call()
      move(recordCall(circuit, { failed: false, probe, startedAt }, clock(), settings))
      return result
    } catch (error) {
      const failed = error instanceof StoreUnavailableError
      move(recordCall(circuit, { failed, probe, startedAt }, clock(), settings))
      throw error
    }
  }

  return {
    store: {
      ...store,
      append: (writes, appendOptions) => guarded('append', () => store.append(writes, appendOptions)),
      readStream: (streamId, readOptions) => guarded('readStream', () => store.readStream(streamId, readOptions)),
      readStreams: (streamIds) => guarded('readStreams', () => store.readStreams(streamIds)),
      readAll: (readOptions) => guarded('readAll', () => store.readAll(readOptions)),
      streamVersion: (streamId) => guarded('streamVersion', () => store.streamVersion(streamId)),
      onAppend: (listener) => store.onAppend(listener),
      close: () => store.close(),
    },
    breaker: {
      state: () => {
        if (circuit.state === 'open' && retryAfterMs() === 0) return 'half-open'
        return circuit.state
      },
      retryAfterMs,
    },
  }
}

/**
 * A readiness check (the `{ name, check }` shape of `@eventcore/http`'s `/ready`) that fails while
 * the breaker is open, saying when it lets a probe through; it passes when closed or half-open, so
 * that traffic returns to probe the store.
 *
 * @example
 * await app.register(eventcoreHttp, { health: { readiness: [circuitBreakerReadiness(breaker), databaseCheck] } })
 */
export function circuitBreakerReadiness(
  breaker: CircuitBreaker,
  { name = 'event-store-circuit' }: { readonly name?: string } = {},
): { readonly name: string; readonly check: () => Promise<void> } {
  return {
    name,
    async check() {
      if (breaker.state() !== 'open') return
      throw new Error(
        `the event store's circuit breaker is open after repeated failures; it lets a probe through in ${breaker.retryAfterMs() ?? 0} ms`,
      )
    },
  }
}
