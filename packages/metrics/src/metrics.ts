import type { CircuitStateChange, Executor, ExecutorObserver, OutageRetry, ProjectionObserver } from '@eventcore/core'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { type BusinessCounter, type BusinessCounterOptions, createBusinessMetrics } from './business-counters.js'
import { createObserverMetrics } from './observers.js'
import { createResilienceMetrics } from './resilience.js'
import { createSourceMetrics, type MetricSources } from './sources.js'

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Where the metrics register. @default a new registry (never prom-client's global one) */
  readonly registry?: Registry
  /** Node process metrics (`process_*`, `nodejs_*`), as prom-client's `collectDefaultMetrics`. @default true */
  readonly defaultMetrics?: boolean
  /**
   * The commands the service runs (or their names). Their series start at 0, so the command
   * metrics exist, and alerts and rates work, before a command first runs; a command not listed
   * gets its series when it first runs. @default []
   */
  readonly commands?: readonly (string | { readonly name: string })[]
  /** The projections the service runs (or their names), started at lag 0 like `commands`. @default [] */
  readonly projections?: readonly (string | { readonly name: string })[]
  /** Ages the `activeStreams` cache. @default () => new Date() */
  readonly clock?: () => Date
  /** Names are fixed (`eventcore_*`) so that dashboards and alerts work for every service. */
  readonly prefix?: never
}

/** The Prometheus metrics of an EventCore service or worker, and the hooks that feed them. */
export interface EventcoreMetrics {
  /**
   * The registry the scrape answers from: `registerMetrics` of `@eventcore/http` serves it, a
   * worker without a web server can serve `await registry.metrics()` itself.
   */
  readonly registry: Registry
  /** For `createExecutor({ observer })`: command counts, durations, errors, retries, events written. */
  readonly executorObserver: ExecutorObserver
  /**
   * For `runProjection({ observer })`: lag, events processed, runner states
   * (`eventcore_projection_state`) and dead letters (`eventcore_projection_dead_letters_total`) per
   * projection, versions waiting out a store outage (`eventcore_projection_waiting`) and their
   * failed tries (`eventcore_store_outage_retries_total`).
   */
  readonly projectionObserver: ProjectionObserver
  /**
   * For `withCircuitBreaker(store, { onStateChange })`: `eventcore_circuit_breaker_state{store}`
   * (0 closed, 1 half-open, 2 open) and `eventcore_circuit_breaker_transitions_total{store,to}`,
   * present from the first scrape once this is called.
   *
   * @example
   * const { store, breaker } = withCircuitBreaker(pgStore, { onStateChange: metrics.circuitBreakerObserver('events') })
   */
  circuitBreakerObserver(store: string): (change: CircuitStateChange) => void
  /**
   * For `subscribe(store, { onOutage })`: counts the failed reads a subscription waited out in
   * `eventcore_store_outage_retries_total{consumer}`.
   *
   * @example
   * subscribe(store, { signal, onOutage: metrics.outageObserver('mailer') })
   */
  outageObserver(consumer: string): (retry: OutageRetry) => void
  /** Sets where the active-streams and pool gauges read from; a later call replaces the sources. */
  sources(sources: MetricSources): void
  /** Counts one pool error, e.g. `pool.on('error', () => metrics.countPoolError())`. */
  countPoolError(): void
  /**
   * Counts domain events of some types in a counter of its own (unlabelled, starting at 0).
   *
   * @example
   * metrics.businessCounter({ name: 'users_registered_total', help: 'Users registered', eventTypes: ['UserRegistered'] })
   */
  businessCounter(options: BusinessCounterOptions): BusinessCounter
  /** Feeds events a command wrote (`ExecutionSuccess.events`) to every business counter. */
  countEvents(events: readonly { readonly type: string }[]): void
  /** An executor that feeds the events of every successful command to the business counters. */
  countingExecutor(executor: Executor): Executor
}

const nameOf = (item: string | { readonly name: string }) => (typeof item === 'string' ? item : item.name)

/**
 * Makes the service's metrics on a registry of their own, every required series present from the
 * first scrape: command and projection series for the `commands` and `projections` listed, the
 * store and pool gauges (0 until {@link EventcoreMetrics.sources} gives them a source). No web
 * framework is involved: `registerMetrics` of `@eventcore/http` adds the HTTP request metrics and
 * the scrape route to a Fastify app.
 *
 * @example
 * const metrics = createMetrics({ commands: [registerUser, renameUser], projections: [usersList] })
 * metrics.businessCounter({ name: 'users_registered_total', help: 'Users registered', eventTypes: ['UserRegistered'] })
 * const executor = metrics.countingExecutor(createExecutor({ store, observer: metrics.executorObserver }))
 * metrics.sources({ activeStreams: () => countStreams(store), pool: () => poolStats(store.pool) })
 * registerMetrics(app, metrics) // @eventcore/http
 */
export function createMetrics(options: MetricsOptions = {}): EventcoreMetrics {
  const {
    registry = new Registry(),
    defaultMetrics = true,
    commands = [],
    projections = [],
    clock = () => new Date(),
  } = options
  if (defaultMetrics) collectDefaultMetrics({ register: registry })
  const observers = createObserverMetrics(registry)
  const resilience = createResilienceMetrics(registry)
  for (const command of commands) observers.declareCommand(nameOf(command))
  for (const projection of projections) {
    observers.declareProjection(nameOf(projection))
    resilience.declareProjection(nameOf(projection))
  }
  const sources = createSourceMetrics(registry, clock)
  const business = createBusinessMetrics(registry)
  return {
    registry,
    executorObserver: observers.executor,
    projectionObserver: {
      onBatch: observers.projection.onBatch,
      onState: (change) => {
        observers.projection.onState?.(change)
        resilience.projection.onState(change)
      },
      onOutage: resilience.projection.onOutage,
      onDeadLetter: observers.projection.onDeadLetter,
    },
    circuitBreakerObserver: resilience.circuitBreakerObserver,
    outageObserver: resilience.outageObserver,
    sources: sources.set,
    countPoolError: sources.countPoolError,
    businessCounter: business.counter,
    countEvents: business.countEvents,
    countingExecutor: business.countingExecutor,
  }
}
