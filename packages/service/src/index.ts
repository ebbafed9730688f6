export { type AppDependencies, buildApp } from './build-app.js'
export type { Config, ConfigResult, DatabaseConfig, JwtOptions, LogLevel, NodeEnv } from './config/index.js'
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
export { runService } from './run-service.js'
export type { DevToken, ServiceDefinition, ServiceProjection, ServiceRouteOptions } from './service-definition.js'
export { type RunningService, type StartOptions, startService } from './start-service.js'
export { type MintTokenInput, mintToken, runTokenCli, type TokenCliOptions } from './token.js'
