import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import { HttpProblem } from './problem.js'
import { PROBE_PATHS } from './security.js'

/** Per-client request limits. */
export interface RateLimitOptions {
  /** Requests per client per window. @default 100 */
  readonly max?: number
  /** @default 60000 */
  readonly windowMs?: number
}

/** Cross-origin access for browsers. */
export interface CorsOptions {
  /** Origins allowed to call the API from a browser, exactly as they send `Origin`. @default [] */
  readonly origins?: readonly string[]
}

/**
 * Per-client rate limits (the token's subject when authenticated, else the IP), with
 * `RateLimit-Limit`/`-Remaining`/`-Reset` on every response and `Retry-After` on a 429 problem.
 * Probes are not limited. Counters live in memory (one process); several replicas share them
 * through a Redis store (to come with the service).
 */
export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const { max = 100, windowMs = 60_000 } = options
  await app.register(rateLimit, {
    global: true,
    max,
    timeWindow: windowMs,
    enableDraftSpec: true,
    allowList: (request) => PROBE_PATHS.has(request.url.split('?')[0] ?? ''),
    keyGenerator: (request) => (request.principal ? `sub:${request.principal.id}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(
        429,
        'rate-limited',
        'Too Many Requests',
        `limit of ${context.max} requests per ${context.after} reached`,
      ),
  })
}

/** Answers browsers from the allowed origins only; any other origin gets no CORS headers. */
export async function registerCors(app: FastifyInstance, options: CorsOptions): Promise<void> {
  const allowed = new Set(options.origins ?? [])
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'if-match', 'idempotency-key', 'x-correlation-id'],
    exposedHeaders: [
      'etag',
      'location',
      'x-correlation-id',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
      'retry-after',
    ],
    maxAge: 600,
  })
}
