/**
 * `@eventcore/http`: the Fastify plugin EventCore services register: problem+json errors,
 * correlation ids, bearer-token auth with roles, rate limits (memory or Redis), CORS, HTTPS and
 * security headers, health and readiness, `Idempotency-Key`, and the HTTP side of the Prometheus
 * metrics (request metrics and the scrape route) over the metrics of `@eventcore/metrics`.
 * Only what a service uses is exported; the plugin's own parts stay inside.
 *
 * @example
 * import Fastify from 'fastify'
 * import { eventcoreHttp } from '@eventcore/http'
 *
 * const app = Fastify()
 * await app.register(eventcoreHttp)
 *
 * @module
 */
export {
  type AuthOptions,
  can,
  type Principal,
  type RouteAccess,
  type TokenChecks,
  type TokenKey,
} from './auth.js'
export { CORRELATION_HEADER } from './correlation.js'
export type { HealthOptions, ReadinessCheck, ServiceLifecycle } from './health.js'
export { IDEMPOTENCY_HEADER, type IdempotencyOptions } from './idempotency.js'
export { requestFingerprint } from './idempotency-fingerprint.js'
export type { CorsOptions, RateLimitOptions } from './limits.js'
export { eventcoreLoggerOptions, type LoggerOptions, type LogRedactionOptions } from './logging.js'
export { answerMethodNotAllowed } from './method-not-allowed.js'
export {
  type RegisterMetricsOptions,
  registerMetrics,
  type ServeMetricsOptions,
  serveMetrics,
  UNMATCHED_ROUTE,
} from './metrics-http.js'
export { type EventcoreHttpOptions, eventcoreHttp, executionContext, executionOptions } from './plugin.js'
export { HttpProblem, type Problem, problemFor } from './problem.js'
export {
  type HeaderDoc,
  PROBLEM_MEDIA_TYPE,
  PROBLEM_SCHEMA,
  type ProblemResponse,
  type ProblemStatus,
  problemResponse,
  RESPONSE_HEADERS,
  responseHeaders,
  standardProblems,
} from './problem-schema.js'
export { type RequestSignalOptions, requestSignal } from './request-signal.js'
export { PROBE_PATHS, type SecurityOptions } from './security.js'
export { eventcoreServerOptions, type ServerHardeningOptions } from './server-options.js'
