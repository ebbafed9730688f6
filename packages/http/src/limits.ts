import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import { HttpProblem } from './problem.js'
import { PROBE_PATHS } from './security.js'

/** Per-client request limits. */
export interface RateLimitOptions {
  /** Requests per client per window. @default 100 */
  readonly max?: number
  /** @default 60000 */
  readonly windowMs?: number
  /**
   * An ioredis client to keep the counters in, so that every replica shares one limit per client.
   * The caller creates and closes it; give it `enableOfflineQueue: false` and a `commandTimeout`
   * so that an outage is noticed at once instead of holding requests.
   * @default undefined (counters in this process's memory)
   */
  readonly redis?: Redis
  /** Prefix of every counter's key in Redis, so services sharing a Redis keep apart. @default 'eventcore:ratelimit:' */
  readonly namespace?: string
}

/** Cross-origin access for browsers. */
export interface CorsOptions {
  /**
   * Origins allowed to call the API from a browser, exactly as they send `Origin`; `'*'` allows any
   * (for development; the service's config refuses it in production).
   * @default []
   */
  readonly origins?: readonly string[]
}

/** At most one "limiter unavailable" line per this interval, with the count of requests let through. */
const OUTAGE_LOG_INTERVAL_MS = 10_000

function checkLimits(max: number, windowMs: number, namespace: string): void {
  if (!Number.isSafeInteger(max) || max < 1)
    throw new RangeError(`rateLimit.max must be a positive integer, got ${max}`)
  if (!Number.isSafeInteger(windowMs) || windowMs < 1)
    throw new RangeError(`rateLimit.windowMs must be a positive integer of milliseconds, got ${windowMs}`)
  if (namespace === '') throw new RangeError('rateLimit.namespace must not be empty')
}

/**
 * Per-client rate limits (the token's subject when authenticated, else the address: `request.ip`,
 * which believes `X-Forwarded-For` only from the proxies Fastify's `trustProxy` trusts), with
 * `RateLimit-Limit`/`-Remaining`/`-Reset` on every response and `Retry-After` on a 429 problem.
 * Probes are not limited. Counters live in memory (one process), or in Redis when `redis` is given
 * (shared by every replica). When Redis fails, the request is let through and the failure logged on
 * `request.log` (fail open): an outage of the limiter must not take the API down with it.
 *
 * @example
 * const redis = new Redis(redisUrl, { enableOfflineQueue: false, commandTimeout: 500 })
 * await app.register(eventcoreHttp, { rateLimit: { max: 100, redis } })
 * app.addHook('onClose', async () => {
 *   await redis.quit()
 * })
 */
export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const { max = 100, windowMs = 60_000, redis, namespace = 'eventcore:ratelimit:' } = options
  checkLimits(max, windowMs, namespace)
  await app.register(rateLimit, {
    // Not global: our own hook below runs the limiter, so that a store failure can be logged on the
    // request (the plugin's skipOnError swallows it silently) and unknown routes count too.
    global: false,
    skipOnError: false,
    max,
    timeWindow: windowMs,
    enableDraftSpec: true,
    ...(redis === undefined ? {} : { redis, nameSpace: namespace }),
    allowList: (request) => PROBE_PATHS.has(request.url.split('?')[0] ?? ''),
    keyGenerator: (request) => (request.principal ? `sub:${request.principal.id}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(
        429,
        'rate-limited',
        'Too Many Requests',
        `limit of ${context.max} ${context.max === 1 ? 'request' : 'requests'} per ${spokenDuration(windowMs)} reached; retry in ${spokenDuration(retryAfterSeconds(context.ttl) * 1000)}`,
      ),
  })
  const limit = app.rateLimit()
  // Added after authentication's hook and before authorization's: a caller with a valid token is
  // counted by its subject, one without (missing, bad, expired) by its address, and the 401 carries
  // the RateLimit headers (or becomes a 429 once the address is over its limit).
  // While the counters' store is down every request fails open: one error line per outage
  // interval says so, not one per request (that would flood the logs exactly when they matter).
  let lastLoggedAt = Number.NEGATIVE_INFINITY
  let unlimited = 0
  app.addHook('onRequest', async function limited(request, reply) {
    try {
      await limit.call(this, request, reply)
    } catch (error) {
      if (error instanceof HttpProblem) throw error
      unlimited += 1
      const now = performance.now()
      if (now - lastLoggedAt < OUTAGE_LOG_INTERVAL_MS) return
      lastLoggedAt = now
      request.log.error(
        { err: error, unlimitedRequests: unlimited },
        'rate limiter unavailable; requests let through unlimited',
      )
      unlimited = 0
    }
  })
}

/** Answers browsers from the allowed origins only (any origin with `'*'`); others get no CORS headers. */
export async function registerCors(app: FastifyInstance, options: CorsOptions): Promise<void> {
  const allowed = new Set(options.origins ?? [])
  const anyOrigin = allowed.has('*')
  await app.register(cors, {
    // Reflecting the origin (rather than answering `*`) keeps `Vary: Origin` and one code path.
    origin: (origin, callback) => callback(null, origin !== undefined && (anyOrigin || allowed.has(origin))),
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
      'idempotent-replayed',
    ],
    maxAge: 600,
  })
}

/**
 * Whole seconds until the window resets, rounded up as the plugin rounds its `Retry-After` header,
 * so that the problem's `detail` and the header name the same number.
 */
function retryAfterSeconds(ttlMs: number): number {
  return Math.ceil(ttlMs / 1000)
}

/** A duration as a person reads it: `60 seconds`, `1 second`, `1500 ms`. */
function spokenDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms} ms`
  const seconds = ms / 1000
  return seconds === 1 ? '1 second' : `${seconds} seconds`
}
