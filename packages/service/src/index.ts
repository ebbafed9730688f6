/**
 * `@eventcore/service`: what a service built on EventCore needs besides its domain and routes: the
 * `EVENTCORE_*` configuration (validated once, every problem at once), `startService` (the store,
 * the projections, Redis, readiness, metrics, listening, a graceful `close`), `runService` for a
 * process's `main` (signals, exit codes), and the token tool. A service is described by data, a
 * {@link ServiceDefinition}.
 *
 * @example
 * import { runService, type ServiceDefinition } from '@eventcore/service'
 *
 * const ordersService: ServiceDefinition = {
 *   name: 'orders service',
 *   roles: { admin: ['orders:create', 'orders:read'] },
 *   routes: ordersRoutes,
 *   prefix: '/api/v1',
 * }
 * await runService(ordersService) // EVENTCORE_PORT, EVENTCORE_DATABASE_URL, … from process.env
 *
 * @module
 */
export { type AppDependencies, buildApp } from './build-app.js'
export type {
  Config,
  ConfigResult,
  DatabaseConfig,
  DatabaseTls,
  JwtOptions,
  LogLevel,
  NodeEnv,
} from './config/index.js'
export {
  type CreateFile,
  DEFAULTS,
  DEV_SECRET_FILE,
  ENV_NAMES,
  type EnvName,
  formatProblems,
  type LoadConfigOptions,
  loadConfig,
  MEMORY_DATA_DIR,
  type RawEnv,
  type ReadFile,
  SECRET_NAMES,
} from './config/index.js'
export { exitOnSignals } from './exit-on-signals.js'
export { type OpenedStore, type OpenStoreOptions, openStore } from './open-store.js'
export { runService, runServiceMigrations } from './run-service.js'
export type { DevToken, ServiceDefinition, ServiceProjection, ServiceRouteOptions } from './service-definition.js'
export { migrateService, type RunningService, type StartOptions, startService } from './start-service.js'
export {
  type MintTokenInput,
  mintToken,
  runTokenCli,
  type SignedToken,
  signConfiguredToken,
  type TokenCliOptions,
} from './token.js'
export { startTracing, type Tracing, type TracingOptions } from './tracing.js'
