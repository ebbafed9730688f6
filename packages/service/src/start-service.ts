import { createExecutor, type ProjectionRunner, runProjection, uuidv7, withCircuitBreaker } from '@eventcore/core'
import { serveMetrics } from '@eventcore/http'
import { createMetrics } from '@eventcore/metrics'
import { createSqlIdempotencyStore, createSqlProjectionStore, type SqlEventStore } from '@eventcore/postgres'
import Fastify, { type FastifyInstance } from 'fastify'
import { buildApp } from './build-app.js'
import type { Config } from './config/index.js'
import { openStore } from './open-store.js'
import { readinessChecks } from './readiness.js'
import type { ServiceDefinition } from './service-definition.js'
import { openSharedRedis } from './shared-redis.js'
import { watchStore } from './store-metrics.js'
import type { Tracing } from './tracing.js'

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
   * in flight finish, then the projections, Redis and the store close. Idempotent.
   */
  close(): Promise<void>
}

/**
 * What the migrator runs before a service that does not migrate (`EVENTCORE_DATABASE_MIGRATE=false`)
 * starts: opens the store as `config` says, but migrating whatever that setting, runs the service's
 * own DDL ({@link ServiceDefinition.prepare}: its read models' tables) and closes. Run it as the
 * role that owns the schema; it is safe to run again, and from several processes at once.
 *
 * @example
 * const loaded = loadConfig(process.env) // EVENTCORE_DATABASE_URL names the migrator
 * if (loaded.ok) await migrateService(loaded.config, usersService)
 */
export async function migrateService(config: Config, service: ServiceDefinition): Promise<void> {
  const { store } = await openStore(config, { migrate: true })
  try {
    await service.prepare?.(store)
  } finally {
    await store.close()
  }
}

/** Hooks for what the process around the service wants to know. */
export interface StartOptions {
  /** Called once before a new embedded database is created (it takes several seconds). */
  readonly onFirstStart?: (dataDir: string) => void
  /**
   * Tracing from {@link startTracing}, shut down (its last spans exported) when the service closes
   * or fails to start. The spans themselves need no wiring: they go to the global provider.
   */
  readonly tracing?: Tracing | undefined
  /** Where the log lines go, e.g. a readable console ({@link consoleLog}). @default pino's JSON on stdout */
  readonly logStream?: { write(line: string): void } | undefined
}

/**
 * Starts `service` as `config` says: opens the store (PostgreSQL when `EVENTCORE_DATABASE_URL` is
 * set, else the embedded PGlite) behind a circuit breaker, prepares it (with
 * `EVENTCORE_DATABASE_MIGRATE=false` it verifies instead: see {@link migrateService}), runs the projections,
 * connects the shared Redis, and listens (with `/metrics` on a port of its own when
 * `EVENTCORE_METRICS_PORT` is set). Installs no signal handlers: see {@link exitOnSignals}.
 *
 * @example
 * const service = await startService(config, usersService)
 * process.once('SIGTERM', () => service.close())
 */
export async function startService(
  config: Config,
  service: ServiceDefinition,
  options: StartOptions = {},
): Promise<RunningService> {
  const opened = await openStore(config, { onFirstStart: options.onFirstStart })
  const metrics = service.metrics?.() ?? createMetrics()
  watchStore(metrics, opened)
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
  const runners: ProjectionRunner[] = []
  let app: FastifyInstance | undefined
  let scrape: FastifyInstance | undefined
  let metricsUrl: string | undefined
  const release = async () => {
    // A runner that never reached the store rejects its stop; closing goes on regardless.
    await Promise.all(runners.map((runner) => runner.stop().catch(() => {})))
    redis?.close()
    await store.close()
    await options.tracing?.shutdown()
  }
  try {
    // The service's own DDL is a migration: with EVENTCORE_DATABASE_MIGRATE=false the migrator ran
    // it (migrateService), and the application role may not; it is checked instead.
    if (config.database.migrate) await service.prepare?.(store)
    else await service.verify?.(store)
    const projections = createSqlProjectionStore(store)
    // They wait out outages themselves; one ends early only on what no retry can fix. Say so, once.
    let logStopped = (name: string, error: unknown): void => {
      process.stderr.write(`the ${name} projection stopped: ${String(error)}\n`)
    }
    for (const projection of service.projections?.(store) ?? []) {
      const runner = runProjection({ ...projection, store, projections, observer: metrics.projectionObserver })
      runners.push(runner)
      runner.done.catch((error: unknown) => logStopped(runner.name, error))
    }
    const executor = metrics.countingExecutor(
      createExecutor({
        store,
        timeoutMs: config.commandTimeoutMs,
        maxConcurrent: config.maxConcurrentCommands,
        observer: metrics.executorObserver,
      }),
    )
    app = await buildApp(config, service, {
      store,
      executor,
      metrics,
      newId: uuidv7,
      idempotency: createSqlIdempotencyStore(store),
      readiness: readinessChecks(store, breaker, redis),
      ...(redis ? { redis: redis.client } : {}),
      ...(options.logStream ? { logStream: options.logStream } : {}),
    })
    const log = app.log
    logStopped = (name: string, error: unknown) => log.error({ err: error }, `the ${name} projection stopped`)
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
