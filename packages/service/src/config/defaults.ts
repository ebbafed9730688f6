import type { ParsedEnv } from './schema.js'

/**
 * The value of each variable left unset, where it does not depend on other variables
 * (`EVENTCORE_ENFORCE_HTTPS`, `EVENTCORE_API_DOCS` and `EVENTCORE_HOST` follow `NODE_ENV`; no database URL means PGlite;
 * no JWT key means a generated development secret). docs/configuration.md lists the same values; a test keeps them in step.
 */
export const DEFAULTS = {
  NODE_ENV: 'development',
  EVENTCORE_PORT: 8080,
  EVENTCORE_DATABASE_SCHEMA: 'eventcore',
  EVENTCORE_DATABASE_POOL_SIZE: 10,
  EVENTCORE_DATABASE_CONNECT_TIMEOUT_MS: 5000,
  EVENTCORE_DATABASE_POOL_WAIT_MS: 2000,
  EVENTCORE_DATABASE_STATEMENT_TIMEOUT_MS: 30_000,
  EVENTCORE_DATABASE_MIGRATE: true,
  EVENTCORE_DATA_DIR: './data',
  EVENTCORE_JWT_ALGORITHM: 'RS256',
  EVENTCORE_JWT_MAX_AGE_SECONDS: 3600,
  EVENTCORE_JWT_CLOCK_TOLERANCE_SECONDS: 30,
  EVENTCORE_CORS_ORIGINS: [],
  EVENTCORE_RATE_LIMIT_MAX: 100,
  EVENTCORE_RATE_LIMIT_WINDOW_MS: 60_000,
  EVENTCORE_TRUST_PROXY: false,
  EVENTCORE_HSTS_MAX_AGE_SECONDS: 31_536_000,
  EVENTCORE_BODY_LIMIT_BYTES: 65_536,
  EVENTCORE_REQUEST_TIMEOUT_MS: 10_000,
  EVENTCORE_COMMAND_TIMEOUT_MS: 5000,
  EVENTCORE_MAX_CONCURRENT_COMMANDS: 200,
  EVENTCORE_SHUTDOWN_TIMEOUT_MS: 10_000,
  EVENTCORE_SHUTDOWN_DRAIN_MS: 0,
  EVENTCORE_READY_TIMEOUT_MS: 2000,
  EVENTCORE_LOG_LEVEL: 'info',
} as const satisfies ParsedEnv

/**
 * Where the API listens when `EVENTCORE_HOST` is unset. Outside production only on loopback: a
 * development service prints an admin token and may run on a generated secret, so it is not
 * offered to the network unless `EVENTCORE_HOST` opens it (containers set `0.0.0.0`). In
 * production, which refuses a generated secret, on every interface: a load balancer must reach it.
 *
 * @example
 * defaultHost('development') // '127.0.0.1'
 */
export function defaultHost(env: string): string {
  return env === 'production' ? '0.0.0.0' : '127.0.0.1'
}
