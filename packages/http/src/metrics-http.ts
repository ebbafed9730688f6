import type { EventcoreMetrics } from '@eventcore/metrics'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { Counter, Histogram, type Registry } from 'prom-client'

/** The route label of requests that matched no route: raw URLs would make a series per URL. */
export const UNMATCHED_ROUTE = 'unmatched'

/** Request durations from 1 ms to 10 s. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** One answered request, labelled by route pattern. */
export interface ObservedRequest {
  readonly method: string
  /** The route pattern (`/api/v1/users/:id`), or {@link UNMATCHED_ROUTE}. */
  readonly route: string
  readonly status: number
  readonly seconds: number
}

/** The HTTP request metrics of one registry. */
export interface HttpMetrics {
  observe(request: ObservedRequest): void
  /** Starts a route's series at 0, so they exist before its first request. */
  declare(route: { readonly method: string; readonly route: string; readonly statuses: readonly number[] }): void
}

/** Registers `eventcore_http_requests_total` and `eventcore_http_request_duration_seconds`. */
function createHttpMetrics(registry: Registry): HttpMetrics {
  const requests = new Counter({
    name: 'eventcore_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'eventcore_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern',
    labelNames: ['method', 'route'],
    buckets: HTTP_BUCKETS,
    registers: [registry],
  })
  return {
    observe({ method, route, status, seconds }) {
      requests.inc({ method, route, status: String(status) })
      duration.observe({ method, route }, seconds)
    },
    declare({ method, route, statuses }) {
      for (const status of statuses) requests.inc({ method, route, status: String(status) }, 0)
      duration.zero({ method, route })
    },
  }
}

// One set per registry: every app measured into the same metrics (e.g. an API and a second
// listener) adds to the same series, as prom-client refuses a name registered twice.
const byRegistry = new WeakMap<Registry, HttpMetrics>()

/** The HTTP request metrics on `metrics`' registry, registered by the first call. */
export function httpMetricsOf(metrics: EventcoreMetrics): HttpMetrics {
  const known = byRegistry.get(metrics.registry)
  if (known) return known
  const created = createHttpMetrics(metrics.registry)
  byRegistry.set(metrics.registry, created)
  return created
}

/** The success statuses a route declares in its response schema; 200 when it declares none. */
function successStatuses(route: RouteOptions): number[] {
  const declared = Object.keys(route.schema?.response ?? {})
    .filter((key) => /^2\d\d$/.test(key))
    .map(Number)
  return declared.length > 0 ? declared : [200]
}

/** Options of {@link registerMetrics}. */
export interface RegisterMetricsOptions {
  /**
   * Where Prometheus scrapes, or `false` to serve it elsewhere (e.g. on `EVENTCORE_METRICS_PORT`
   * with {@link serveMetrics}) and only measure requests here.
   * @default '/metrics'
   */
  readonly path?: string | false
}

/**
 * Measures every request of `app` (count by method, route pattern and status; duration by method
 * and route pattern) and serves the scrape route. Call it on the root instance (or inside
 * `fastify-plugin`) before the routes, so each route's series start at 0.
 *
 * @example
 * const metrics = createMetrics({ commands: [registerUser, renameUser], projections: ['users'] })
 * registerMetrics(app, metrics) // GET /metrics
 */
export function registerMetrics(
  app: FastifyInstance,
  metrics: EventcoreMetrics,
  options: RegisterMetricsOptions = {},
): void {
  const { path = '/metrics' } = options
  const http = httpMetricsOf(metrics)
  app.addHook('onRoute', (route) => {
    const methods = typeof route.method === 'string' ? [route.method] : route.method
    // HEAD routes Fastify adds for every GET would double the series for requests that rarely come.
    for (const method of methods.filter((m) => m !== 'HEAD')) {
      http.declare({ method, route: route.url, statuses: successStatuses(route) })
    }
  })
  app.addHook('onResponse', async (request, reply) => {
    http.observe({
      method: request.method,
      route: request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE),
      status: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
    })
  })
  if (path !== false) serveMetrics(app, metrics, { path })
}

/** Options of {@link serveMetrics}. */
export interface ServeMetricsOptions {
  /** Where Prometheus scrapes. @default '/metrics' */
  readonly path?: string
}

/**
 * Adds the scrape route alone: public (no token), answered in the Prometheus text format. For a
 * separate metrics server; {@link registerMetrics} calls it for you.
 *
 * @example
 * const admin = Fastify()
 * serveMetrics(admin, metrics)
 * await admin.listen({ port: config.metricsPort, host: '0.0.0.0' })
 */
export function serveMetrics(app: FastifyInstance, metrics: EventcoreMetrics, options: ServeMetricsOptions = {}): void {
  const { path = '/metrics' } = options
  app.get(
    path,
    {
      config: { eventcore: { public: true } },
      schema: { response: { 200: { type: 'string', description: 'Prometheus text exposition format' } } },
    },
    async (_request, reply) => {
      const text = await metrics.registry.metrics()
      return reply.type(metrics.registry.contentType).send(text)
    },
  )
}
