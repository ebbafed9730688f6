import type { CircuitState, CircuitStateChange, OutageRetry, ProjectionObserver } from '@eventcore/core'
import type { Registry } from 'prom-client'
import { familiesOn } from './families.js'

// A record so that a new circuit state in core fails to compile here.
const CIRCUIT_VALUES: { readonly [S in CircuitState]: number } = { closed: 0, 'half-open': 1, open: 2 }

/** The `# HELP` line of each resilience metric. */
const HELP = {
  eventcore_circuit_breaker_state:
    'State of the circuit breaker in front of an event store: 0 closed, 1 half-open, 2 open',
  eventcore_circuit_breaker_transitions_total: 'Changes of state of a circuit breaker, by the state entered',
  eventcore_projection_waiting: 'Versions of a projection whose runner is waiting out a store outage (0 when none)',
  eventcore_store_outage_retries_total:
    'Failed store calls that a projection runner or a subscription waited out, by consumer',
}

/** The circuit breaker, waiting-consumer and outage-retry metrics, and the hooks that feed them. */
export interface ResilienceMetrics {
  /** For `withCircuitBreaker(store, { onStateChange })`; starts the store's series at closed. */
  circuitBreakerObserver(store: string): (change: CircuitStateChange) => void
  /** For `subscribe(store, { onOutage })`: counts its failed reads under `consumer`. */
  outageObserver(consumer: string): (retry: OutageRetry) => void
  /** Merged into the projection observer: waiting state and outage retries. */
  readonly projection: Required<Pick<ProjectionObserver, 'onState' | 'onOutage'>>
  declareProjection(projection: string): void
}

/** Registers `eventcore_circuit_breaker_*`, `eventcore_projection_waiting` and `eventcore_store_outage_retries_total`. */
export function createResilienceMetrics(registry: Registry): ResilienceMetrics {
  const { counter, gauge } = familiesOn(registry, HELP)
  const circuit = gauge('eventcore_circuit_breaker_state', ['store'])
  const transitions = counter('eventcore_circuit_breaker_transitions_total', ['store', 'to'])
  const waiting = gauge('eventcore_projection_waiting', ['projection'])
  const retries = counter('eventcore_store_outage_retries_total', ['consumer'])
  const waitingVersions = new Map<string, Set<number>>()
  const declareProjection = (projection: string) => {
    if (waitingVersions.has(projection)) return
    waitingVersions.set(projection, new Set())
    waiting.set({ projection }, 0)
    retries.inc({ consumer: projection }, 0)
  }
  return {
    circuitBreakerObserver(store) {
      circuit.set({ store }, CIRCUIT_VALUES.closed)
      for (const to of Object.keys(CIRCUIT_VALUES)) transitions.inc({ store, to }, 0)
      return ({ to }) => {
        circuit.set({ store }, CIRCUIT_VALUES[to])
        transitions.inc({ store, to })
      }
    },
    outageObserver(consumer) {
      retries.inc({ consumer }, 0)
      return () => retries.inc({ consumer })
    },
    declareProjection,
    projection: {
      onState({ projection, version, state }) {
        declareProjection(projection)
        const versions = waitingVersions.get(projection) ?? new Set()
        if (state === 'waiting') versions.add(version)
        else versions.delete(version)
        waiting.set({ projection }, versions.size)
      },
      onOutage({ projection }) {
        declareProjection(projection)
        retries.inc({ consumer: projection })
      },
    },
  }
}
