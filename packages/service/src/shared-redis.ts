import { Redis } from 'ioredis'

/** Where {@link SharedRedis} reports outages: the service's logger. */
export interface RedisLog {
  warn(fields: Record<string, unknown>, message: string): void
  info(fields: Record<string, unknown>, message: string): void
}

/** The Redis the rate limiter shares across replicas, connected (and reconnected) in the background. */
export interface SharedRedis {
  readonly client: Redis
  /**
   * Starts connecting without waiting: the service starts and serves while Redis is down (the
   * limiter fails open), and the connection comes up by itself whenever Redis answers. Logs one
   * warning per outage, never one per retry.
   */
  start(log: RedisLog): void
  /** The `/ready` check: rejects while Redis does not answer, with a message fit for a public probe. */
  check(): Promise<void>
  /** Stops reconnecting and closes the connection. */
  close(): void
}

/** The longest pause between two reconnection attempts. */
export const MAX_REDIS_BACKOFF_MS = 2000

/**
 * Reconnection pauses: 100 ms, doubling, at most {@link MAX_REDIS_BACKOFF_MS}; never gives up,
 * since a replica without its Redis enforces no shared limit.
 *
 * @example
 * redisBackoffMs(1) // 100
 * redisBackoffMs(20) // 2000
 */
export function redisBackoffMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), MAX_REDIS_BACKOFF_MS)
}

// The error's code (ECONNREFUSED, …) only: messages name hosts, and the URL may hold a password.
const codeOf = (error: unknown): string =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'unknown'

/**
 * Opens the rate limiter's Redis from `EVENTCORE_REDIS_URL` without connecting yet. Commands fail at
 * once while it is down (no offline queue): the limiter lets the request through rather than hold it.
 *
 * @example
 * const redis = openSharedRedis({ url: config.redisUrl })
 * const app = await buildApp(config, service, { ...deps, redis: redis.client })
 * redis.start(app.log)
 */
export function openSharedRedis({ url }: { url: string }): SharedRedis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: redisBackoffMs,
  })
  let down = false
  // A listener before anything can fail: without one ioredis prints "Unhandled error event".
  let report: (error: unknown) => void = () => undefined
  client.on('error', (error: unknown) => report(error))
  return {
    client,
    start: (log) => {
      report = (error) => {
        if (down) return
        down = true
        log.warn(
          { code: codeOf(error), retryMaxMs: MAX_REDIS_BACKOFF_MS },
          'Redis at EVENTCORE_REDIS_URL does not answer: rate limits are not enforced (requests are let through) until it does; reconnecting in the background',
        )
      }
      client.on('ready', () => {
        if (!down) return
        down = false
        log.info({}, 'Redis at EVENTCORE_REDIS_URL answers again: rate limits are enforced again')
      })
      // A failed first attempt rejects here (and is reported as an 'error' event); the retry
      // strategy keeps trying all the same.
      client.connect().catch(() => undefined)
    },
    check: async () => {
      try {
        await client.ping()
      } catch {
        // /ready is public: name the variable, never the URL (it may hold a password) or the host.
        throw new Error('Redis (EVENTCORE_REDIS_URL) does not answer: rate limits are not enforced')
      }
    },
    close: () => client.disconnect(),
  }
}
