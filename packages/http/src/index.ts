/**
 * `@eventcore/http`: the Fastify plugin EventCore services register. This first part brings
 * problem+json errors and correlation ids.
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
export type { AuthOptions, Principal, RouteAccess } from './auth.js'
export { CORRELATION_HEADER, correlationIdOf, MAX_CORRELATION_ID } from './correlation.js'
export type { HealthOptions, ReadinessCheck, ServiceLifecycle } from './health.js'
export type { CorsOptions, RateLimitOptions } from './limits.js'
export { type EventcoreHttpOptions, eventcoreHttp, executionContext } from './plugin.js'
export { HttpProblem, type Problem, problemFor } from './problem.js'
export { PROBE_PATHS, type SecurityOptions } from './security.js'
