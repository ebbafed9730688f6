import type { Executor, ExecutorObserver, ProjectionObserver } from '@eventcore/core'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { type BusinessCounter, type BusinessCounterOptions, createBusinessMetrics } from './metrics-business.js'
import { createHttpMetrics, type HttpMetrics } from './metrics-http.js'
import { createObserverMetrics } from './metrics-observers.js'
import { createSourceMetrics, type MetricSources } from './metrics-sources.js'

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

/** The Prometheus metrics of an EventCore service, and the hooks that feed them. */
export interface EventcoreMetrics {
  /** The registry the scrape route answers from. */
  readonly registry: Registry
  /** For `createExecutor({ observer })`: command counts, durations, errors, retries, events written. */
  readonly executorObserver: ExecutorObserver
  /** For `runProjection({ observer })`: lag and events processed per projection. */
  readonly projectionObserver: ProjectionObserver
  /** The request metrics {@link registerMetrics} feeds. */
  readonly http: HttpMetrics
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
 * store and pool gauges (0 until {@link EventcoreMetrics.sources} gives them a source).
 *
 * @example
 * const metrics = createMetrics({ commands: [registerUser, renameUser], projections: [usersList] })
 * metrics.businessCounter({ name: 'users_registered_total', help: 'Users registered', eventTypes: ['UserRegistered'] })
 * const executor = metrics.countingExecutor(createExecutor({ store, observer: metrics.executorObserver }))
 * metrics.sources({ activeStreams: () => countStreams(store), pool: () => poolStats(store.pool) })
 * registerMetrics(app, metrics)
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
  for (const command of commands) observers.declareCommand(nameOf(command))
  for (const projection of projections) observers.declareProjection(nameOf(projection))
  const sources = createSourceMetrics(registry, clock)
  const business = createBusinessMetrics(registry)
  return {
    registry,
    executorObserver: observers.executor,
    projectionObserver: observers.projection,
    http: createHttpMetrics(registry),
    sources: sources.set,
    countPoolError: sources.countPoolError,
    businessCounter: business.counter,
    countEvents: business.countEvents,
    countingExecutor: business.countingExecutor,
  }
}
