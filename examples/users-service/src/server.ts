import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  type CircuitBreaker,
  circuitBreakerReadiness,
  createExecutor,
  runProjection,
  uuidv7,
  withCircuitBreaker,
} from '@eventcore/core'
import { type ReadinessCheck, serveMetrics } from '@eventcore/http'
import {
  appliedMigrations,
  createSqlIdempotencyStore,
  createSqlProjectionStore,
  LATEST_VERSION,
  openPgliteStore,
  openPostgresStore,
  type SqlEventStore,
} from '@eventcore/postgres'
import { type Config, openSharedRedis, type SharedRedis } from '@eventcore/service'
import Fastify, { type FastifyInstance } from 'fastify'
import type pg from 'pg'
import { buildApp } from './app.js'
import { usersServiceMetrics } from './service-metrics.js'
import { ensureUsersReadModel, usersProjection } from './users/index.js'

/** A started service. */
export interface RunningService {
  readonly app: FastifyInstance
  readonly store: SqlEventStore
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  /** Where Prometheus scrapes, when `EVENTCORE_METRICS_PORT` gives it a port of its own. */
  readonly metricsUrl: string | undefined
  /**
   * Shuts down gracefully: `/ready` turns 503 and responses ask clients to close their
   * connections; after `shutdownDrainMs` the server stops taking connections and lets the requests
   * in flight finish, then the projection, Redis and the store close. Idempotent.
   */
  close(): Promise<void>
}

/** Hooks for what the process around the service wants to know. */
export interface StartOptions {
  /** Called once before a new embedded database is created (it takes several seconds). */
  readonly onFirstStart?: (dataDir: string) => void
}

async function openStore(
  config: Config,
  { onFirstStart }: StartOptions,
): Promise<{ store: SqlEventStore; pool: pg.Pool | undefined }> {
  const { url, schema, poolSize, connectTimeoutMs, statementTimeoutMs, poolWaitMs } = config.database
  if (url) {
    const store = await openPostgresStore({
      connectionString: url,
      schema,
      poolSize,
      connectTimeoutMs,
      statementTimeoutMs,
      poolWaitMs,
    })
    return { store, pool: store.pool }
  }
  // PGlite's own marker, not the folder: the development secret may have created that already.
  if (config.dataDir !== 'memory://' && !existsSync(join(config.dataDir, 'PG_VERSION'))) onFirstStart?.(config.dataDir)
  return { store: await openPgliteStore({ dataDir: config.dataDir, schema }), pool: undefined }
}

async function opaque(work: Promise<unknown>, message: string): Promise<void> {
  try {
    await work
  } catch {
    throw new Error(message)
  }
}

function readinessChecks(
  store: SqlEventStore,
  breaker: CircuitBreaker,
  redis: SharedRedis | undefined,
): ReadinessCheck[] {
  const projections = createSqlProjectionStore(store)
  const checks: ReadinessCheck[] = [
    // /ready is public: say what failed, never a driver message (it may name hosts and ports).
    { name: 'database', check: () => opaque(store.driver.query('SELECT 1', []), 'the database did not answer') },
    {
      name: 'migrations',
      check: async () => {
        const applied = await appliedMigrations(store.driver, store.schema)
        if (!applied.includes(LATEST_VERSION))
          throw new Error(`schema at ${applied.at(-1) ?? 0}, need ${LATEST_VERSION}`)
      },
    },
    {
      name: 'projections',
      check: async () => {
        const failed = (await projections.list()).filter((c) => c.state === 'failed')
        if (failed.length > 0) throw new Error(`failed: ${failed.map((c) => `${c.name}@${c.version}`).join(', ')}`)
      },
    },
    // Open after repeated store failures: requests fail fast with 503 until a probe gets through.
    circuitBreakerReadiness(breaker),
  ]
  // A replica whose limiter cannot reach Redis serves with the limiter failing open, and /ready says
  // so (degraded) without taking it out of rotation: every replica shares that Redis, so an unready
  // verdict would turn a limiter outage into an outage of the whole API (docs/users-service.md).
  if (redis) checks.push({ name: 'redis', check: redis.check, critical: false })
  return checks
}

/**
 * Opens the store (PostgreSQL when `EVENTCORE_DATABASE_URL` is set, else the embedded PGlite), the
 * users read model and its projection, and listens. Installs no signal handlers: `main.ts` does.
 *
 * @example
 * const service = await startService(config)
 * process.once('SIGTERM', () => service.close())
 */
export async function startService(config: Config, options: StartOptions = {}): Promise<RunningService> {
  const opened = await openStore(config, options)
  const { pool } = opened
  const metrics = usersServiceMetrics(opened.store, pool)
  // One breaker for the store, shared by every caller: when the database keeps failing, requests
  // get 503 with Retry-After at once instead of each waiting out the pool and connect timeouts.
  let onCircuitChange: (message: string) => void = () => {}
  const circuitMetric = metrics.circuitBreakerObserver('events')
  const { store, breaker } = withCircuitBreaker(opened.store, {
    onStateChange: (change) => {
      circuitMetric(change)
      onCircuitChange(`event store circuit breaker ${change.from} → ${change.to}`)
    },
  })
  const redis = config.redisUrl ? openSharedRedis({ url: config.redisUrl }) : undefined
  let runner: ReturnType<typeof runProjection> | undefined
  let app: FastifyInstance | undefined
  let scrape: FastifyInstance | undefined
  let metricsUrl: string | undefined
  const release = async () => {
    // A runner that never reached the store rejects its stop; closing goes on regardless.
    await runner?.stop().catch(() => {})
    redis?.close()
    await store.close()
  }
  try {
    await ensureUsersReadModel(store)
    const projections = createSqlProjectionStore(store)
    // Lists may lag up to 25 ms more; under load a burst of registrations is one transaction.
    runner = runProjection({
      store,
      projections,
      projection: usersProjection(store),
      observer: metrics.projectionObserver,
      liveBatchDelayMs: 25,
    })
    // It waits out outages itself; it ends early only on what no retry can fix. Say so, once.
    let logStopped = (error: unknown): void => {
      process.stderr.write(`the users projection stopped: ${String(error)}\n`)
    }
    runner.done.catch((error: unknown) => logStopped(error))
    const executor = metrics.countingExecutor(
      createExecutor({
        store,
        timeoutMs: config.commandTimeoutMs,
        maxConcurrent: config.maxConcurrentCommands,
        observer: metrics.executorObserver,
      }),
    )
    app = await buildApp(config, {
      store,
      executor,
      metrics,
      newId: uuidv7,
      idempotency: createSqlIdempotencyStore(store),
      readiness: readinessChecks(store, breaker, redis),
      ...(redis ? { redis: redis.client } : {}),
    })
    const log = app.log
    logStopped = (error: unknown) => log.error({ err: error }, 'the users projection stopped')
    onCircuitChange = (message) => log.warn(message)
    // In the background: a Redis that is down delays nothing and stops nothing.
    redis?.start(app.log)
    const url = await app.listen({ port: config.port, host: config.host })
    if (config.metricsPort !== undefined) {
      scrape = Fastify({ logger: false })
      serveMetrics(scrape, metrics)
      metricsUrl = await scrape.listen({ port: config.metricsPort, host: config.host })
    }
    let closing: Promise<void> | undefined
    const [started, scraper] = [app, scrape]
    return {
      app: started,
      store,
      url,
      metricsUrl,
      close: () => {
        closing ??= (async () => {
          started.eventcore.startDraining()
          // Still serving, /ready at 503: load balancers take this replica out before it closes.
          if (config.shutdownDrainMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs))
          await started.close() // waits for the requests in flight
          await scraper?.close()
          await release()
        })()
        return closing
      },
    }
  } catch (error) {
    await scrape?.close()
    await app?.close()
    await release()
    throw error
  }
}
