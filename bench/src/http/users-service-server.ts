import { projectionStatus } from '@eventcore/core'
import { startUsersService as startService } from '@eventcore/example-users-service'
import { createSqlProjectionStore } from '@eventcore/postgres'
import { formatProblems, loadConfig, type RawEnv, startTracing } from '@eventcore/service'

/** Options of {@link startUsersService}. */
export interface UsersServiceOptions {
  readonly databaseUrl: string
  /** A fresh schema: the service migrates it on start. */
  readonly schema: string
  readonly poolSize: number
  /** At least 32 bytes: the HS256 secret tokens are signed with. */
  readonly jwtSecret: string
  /** Observed: traces exported over OTLP/HTTP to this collector, and info-level JSON logs (see {@link usersServiceEnv}). */
  readonly otlpUrl?: string
  /** With `otlpUrl`: the share of traces kept; all when absent. */
  readonly traceRatio?: number
}

/** A listening users service. */
export interface BenchUsersService {
  readonly url: string
  /**
   * Resolves once the users projection has applied every event in the log, with how long that
   * took; rejects after `timeoutMs`.
   */
  settle(timeoutMs: number): Promise<number>
  close(): Promise<void>
}

/** Highest limit the service accepts: with a one-minute window, the limiter counts every request but never refuses one. */
const RATE_LIMIT_MAX = '1000000'
const SETTLE_POLL_MS = 10

/**
 * The environment the service is started with: production-like (`development` only so that no
 * HTTPS is enforced on 127.0.0.1), silent, a port of the system's choice, and a rate limit that
 * still runs on every request but never trips.
 *
 * @example
 * usersServiceEnv({ databaseUrl, schema: 'bench_x_ec', poolSize: 8, jwtSecret }).EVENTCORE_PORT // '0'
 */
export function usersServiceEnv(options: UsersServiceOptions): RawEnv {
  return {
    NODE_ENV: 'development',
    EVENTCORE_DATABASE_URL: options.databaseUrl,
    EVENTCORE_DATABASE_SCHEMA: options.schema,
    EVENTCORE_DATABASE_POOL_SIZE: String(options.poolSize),
    EVENTCORE_JWT_SECRET: options.jwtSecret,
    EVENTCORE_PORT: '0',
    EVENTCORE_HOST: '127.0.0.1',
    EVENTCORE_RATE_LIMIT_MAX: RATE_LIMIT_MAX,
    // Observed, the logs go where the process's stdout goes: /dev/null for the bench's children.
    EVENTCORE_LOG_LEVEL: options.otlpUrl === undefined ? 'silent' : 'info',
  }
}

/**
 * Starts the users service as `npm start` would (`loadConfig` then `startService`: auth, rate
 * limit, validation, problem+json, executor, store and the users projection) in a fresh schema.
 *
 * @example
 * const service = await startUsersService({ databaseUrl, schema: 'bench_x_ec', poolSize: 8, jwtSecret })
 * await service.settle(30_000)
 * await service.close()
 */
export async function startUsersService(options: UsersServiceOptions): Promise<BenchUsersService> {
  const loaded = loadConfig(usersServiceEnv(options), { cwd: process.cwd() })
  if (!loaded.ok) throw new Error(`the users service refused its configuration:\n${formatProblems(loaded.problems)}`)
  const tracing =
    options.otlpUrl === undefined
      ? undefined
      : await startTracing(
          {
            OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpUrl,
            OTEL_SERVICE_NAME: 'users-service-bench',
            ...(options.traceRatio === undefined
              ? {}
              : {
                  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
                  OTEL_TRACES_SAMPLER_ARG: String(options.traceRatio),
                }),
          },
          { serviceName: 'users service' },
        )
  const service = await startService(loaded.config, { tracing })
  // A service that ignored the schema would write into a shared one that the run never drops.
  if (service.store.schema.name !== options.schema) {
    await service.close()
    throw new Error(`the users service opened schema '${service.store.schema.name}', not '${options.schema}'`)
  }
  const projections = createSqlProjectionStore(service.store)
  return {
    url: service.url,
    async settle(timeoutMs) {
      const started = performance.now()
      for (let polls = 0; ; polls++) {
        const statuses = await projectionStatus(service.store, projections, { cap: 1 })
        // Caught up at the first look: nothing was left to wait for.
        if (statuses.every((s) => s.eventsBehind === 0)) return polls === 0 ? 0 : performance.now() - started
        if (performance.now() - started > timeoutMs) {
          throw new Error(`the projection was still behind after ${timeoutMs} ms`)
        }
        await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS))
      }
    },
    close: () => service.close(),
  }
}
