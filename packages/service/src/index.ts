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
export { openSharedRedis, type RedisLog, type SharedRedis } from './shared-redis.js'
export { type MintTokenInput, mintToken, runTokenCli, type TokenCliOptions } from './token.js'
