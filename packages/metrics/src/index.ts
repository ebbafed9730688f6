/**
 * `@eventcore/metrics`: Prometheus metrics for EventCore commands, stores and projections, fed by
 * the observers the executor, the projection runner, the circuit breaker and subscriptions accept.
 * It needs no web framework, so a worker that only runs projections exports
 * `eventcore_projection_lag_seconds` without Fastify; `@eventcore/http` adds the HTTP request
 * metrics and the scrape route.
 *
 * @example
 * import { createMetrics } from '@eventcore/metrics'
 *
 * const metrics = createMetrics({ projections: [usersList] })
 * const runner = runProjection(store, usersList, { observer: metrics.projectionObserver })
 * const text = await metrics.registry.metrics() // the Prometheus text exposition
 *
 * @module
 */
export type { BusinessCounter, BusinessCounterOptions } from './business-counters.js'
export { createMetrics, type EventcoreMetrics, type MetricsOptions } from './metrics.js'
export { COMMAND_BUCKETS } from './observers.js'
export type { MetricSources, PoolStats } from './sources.js'
