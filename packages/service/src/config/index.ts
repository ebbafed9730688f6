/**
 * A service's configuration: `EVENTCORE_*` environment variables validated once, at start-up, by
 * one schema, with every problem listed together. docs/configuration.md documents each variable.
 *
 * @example
 * import { formatProblems, loadConfig } from './config/index.js'
 *
 * const result = loadConfig(process.env)
 * if (!result.ok) {
 *   console.error(formatProblems(result.problems))
 *   process.exitCode = 1
 * }
 *
 * @module
 */
export type { Config, ConfigResult, DatabaseConfig, DatabaseTls, JwtOptions, LogLevel, NodeEnv } from './config.js'
export { DEFAULTS } from './defaults.js'
export { DEV_SECRET_FILE, MEMORY_DATA_DIR } from './dev-secret.js'
export type { CreateFile, ReadFile } from './files.js'
export { formatProblems } from './format-problems.js'
export { type LoadConfigOptions, loadConfig } from './load-config.js'
export type { RawEnv } from './parse-env.js'
export { ENV_NAMES, type EnvName, SECRET_NAMES } from './schema.js'
