import { randomBytes } from 'node:crypto'
import { isAbsolute, resolve } from 'node:path'
import type { TokenKey } from '@eventcore/http'
import { Value } from 'typebox/value'
import type { Config, ConfigResult, DatabaseTls } from './config.js'
import { readDatabaseTls } from './database-tls.js'
import { DEFAULTS, defaultHost } from './defaults.js'
import { devSecret, MEMORY_DATA_DIR } from './dev-secret.js'
import { type CreateFile, createPrivateFile, type ReadFile, readTextFile } from './files.js'
import { isSet, parseEnv, type RawEnv } from './parse-env.js'
import { checkRules } from './rules.js'
import { type EnvName, EnvSchema, type ParsedEnv } from './schema.js'
import { schemaProblems } from './schema-problems.js'
import { resolveSecretFiles } from './secret-files.js'

/** How the warning about a generated development secret begins (the banner says it instead, where it prints a token). */
export const GENERATED_SECRET_WARNING = 'no JWT key is configured: using a generated development secret'

/** File access and paths of {@link loadConfig}, injectable so tests use a temporary directory. */
export interface LoadConfigOptions {
  /** Reads the `*_FILE` variables (secrets, TLS certificates) and the development secret. @default fs.readFileSync(path, 'utf8') */
  readonly readFile?: ReadFile
  /** Writes a new development secret (0600), failing if it exists. @default mkdir + writeFile with flag 'wx' */
  readonly createFile?: CreateFile
  /** Relative `EVENTCORE_DATA_DIR` and `*_FILE` paths resolve from here. @default process.cwd() */
  readonly cwd?: string
  /**
   * For tools that never verify or sign a token (the CLI's database commands, a migration Job): no
   * JWT key is required, even in production, and no development secret is read or written;
   * without a key, `config.auth` holds a random secret kept in memory (`generatedSecret: true`).
   * @default false
   */
  readonly keyless?: boolean
}

function keyOptions(env: ParsedEnv): TokenKey | undefined {
  if (env.EVENTCORE_JWT_JWKS_URL !== undefined) return { jwksUrl: env.EVENTCORE_JWT_JWKS_URL }
  if (env.EVENTCORE_JWT_PUBLIC_KEY !== undefined) {
    return {
      publicKeyPem: env.EVENTCORE_JWT_PUBLIC_KEY,
      publicKeyAlgorithm: env.EVENTCORE_JWT_ALGORITHM ?? DEFAULTS.EVENTCORE_JWT_ALGORITHM,
    }
  }
  return env.EVENTCORE_JWT_SECRET === undefined ? undefined : { secret: env.EVENTCORE_JWT_SECRET }
}

function configOf(
  env: ParsedEnv,
  dataDir: string,
  key: TokenKey,
  generatedSecret: boolean,
  ssl: DatabaseTls | undefined,
): Config {
  const production = env.NODE_ENV === 'production'
  return {
    env: env.NODE_ENV ?? DEFAULTS.NODE_ENV,
    port: env.EVENTCORE_PORT ?? DEFAULTS.EVENTCORE_PORT,
    host: env.EVENTCORE_HOST ?? defaultHost(env.NODE_ENV ?? DEFAULTS.NODE_ENV),
    database: {
      ...(env.EVENTCORE_DATABASE_URL === undefined ? {} : { url: env.EVENTCORE_DATABASE_URL }),
      schema: env.EVENTCORE_DATABASE_SCHEMA ?? DEFAULTS.EVENTCORE_DATABASE_SCHEMA,
      poolSize: env.EVENTCORE_DATABASE_POOL_SIZE ?? DEFAULTS.EVENTCORE_DATABASE_POOL_SIZE,
      connectTimeoutMs: env.EVENTCORE_DATABASE_CONNECT_TIMEOUT_MS ?? DEFAULTS.EVENTCORE_DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs:
        env.EVENTCORE_DATABASE_STATEMENT_TIMEOUT_MS ?? DEFAULTS.EVENTCORE_DATABASE_STATEMENT_TIMEOUT_MS,
      poolWaitMs: env.EVENTCORE_DATABASE_POOL_WAIT_MS ?? DEFAULTS.EVENTCORE_DATABASE_POOL_WAIT_MS,
      ...(ssl === undefined ? {} : { ssl }),
      migrate: env.EVENTCORE_DATABASE_MIGRATE ?? DEFAULTS.EVENTCORE_DATABASE_MIGRATE,
    },
    dataDir,
    auth: {
      options: {
        ...key,
        ...(env.EVENTCORE_JWT_ISSUER === undefined ? {} : { issuer: env.EVENTCORE_JWT_ISSUER }),
        ...(env.EVENTCORE_JWT_AUDIENCE === undefined ? {} : { audience: env.EVENTCORE_JWT_AUDIENCE }),
        maxTokenAgeSeconds: env.EVENTCORE_JWT_MAX_AGE_SECONDS ?? DEFAULTS.EVENTCORE_JWT_MAX_AGE_SECONDS,
        clockToleranceSeconds:
          env.EVENTCORE_JWT_CLOCK_TOLERANCE_SECONDS ?? DEFAULTS.EVENTCORE_JWT_CLOCK_TOLERANCE_SECONDS,
      },
      generatedSecret,
    },
    cors: { origins: env.EVENTCORE_CORS_ORIGINS ?? [] },
    rateLimit: {
      max: env.EVENTCORE_RATE_LIMIT_MAX ?? DEFAULTS.EVENTCORE_RATE_LIMIT_MAX,
      windowMs: env.EVENTCORE_RATE_LIMIT_WINDOW_MS ?? DEFAULTS.EVENTCORE_RATE_LIMIT_WINDOW_MS,
    },
    ...(env.EVENTCORE_REDIS_URL === undefined ? {} : { redisUrl: env.EVENTCORE_REDIS_URL }),
    security: {
      enforceHttps: env.EVENTCORE_ENFORCE_HTTPS ?? production,
      hstsMaxAgeSeconds: env.EVENTCORE_HSTS_MAX_AGE_SECONDS ?? DEFAULTS.EVENTCORE_HSTS_MAX_AGE_SECONDS,
    },
    trustProxy: env.EVENTCORE_TRUST_PROXY ?? DEFAULTS.EVENTCORE_TRUST_PROXY,
    bodyLimitBytes: env.EVENTCORE_BODY_LIMIT_BYTES ?? DEFAULTS.EVENTCORE_BODY_LIMIT_BYTES,
    requestTimeoutMs: env.EVENTCORE_REQUEST_TIMEOUT_MS ?? DEFAULTS.EVENTCORE_REQUEST_TIMEOUT_MS,
    commandTimeoutMs: env.EVENTCORE_COMMAND_TIMEOUT_MS ?? DEFAULTS.EVENTCORE_COMMAND_TIMEOUT_MS,
    maxConcurrentCommands: env.EVENTCORE_MAX_CONCURRENT_COMMANDS ?? DEFAULTS.EVENTCORE_MAX_CONCURRENT_COMMANDS,
    shutdownTimeoutMs: env.EVENTCORE_SHUTDOWN_TIMEOUT_MS ?? DEFAULTS.EVENTCORE_SHUTDOWN_TIMEOUT_MS,
    shutdownDrainMs: env.EVENTCORE_SHUTDOWN_DRAIN_MS ?? DEFAULTS.EVENTCORE_SHUTDOWN_DRAIN_MS,
    readyTimeoutMs: env.EVENTCORE_READY_TIMEOUT_MS ?? DEFAULTS.EVENTCORE_READY_TIMEOUT_MS,
    logLevel: env.EVENTCORE_LOG_LEVEL ?? DEFAULTS.EVENTCORE_LOG_LEVEL,
    ...(env.EVENTCORE_METRICS_PORT === undefined ? {} : { metricsPort: env.EVENTCORE_METRICS_PORT }),
    // An API explorer is for developers: in production it shows only when asked for.
    apiDocs: env.EVENTCORE_API_DOCS ?? !production,
  }
}

/**
 * Reads the service's configuration from environment variables (`EVENTCORE_*`, secrets also as
 * `*_FILE`), checked against one schema: every problem is reported at once, each naming its
 * variable and never a secret's value. With `NODE_ENV=production` insecure settings are
 * problems; outside production a missing JWT key becomes a generated secret kept in
 * `<dataDir>/dev-jwt-secret`, with a warning.
 *
 * @example
 * const result = loadConfig(process.env)
 * if (!result.ok) {
 *   console.error(formatProblems(result.problems))
 *   process.exit(1)
 * }
 * for (const warning of result.warnings) console.warn(warning)
 * const app = await buildApp(result.config)
 */
export function loadConfig(raw: RawEnv, options: LoadConfigOptions = {}): ConfigResult {
  const { readFile = readTextFile, createFile = createPrivateFile, cwd = process.cwd(), keyless = false } = options
  const secrets = resolveSecretFiles(raw, { readFile, cwd })
  const parsed = parseEnv(secrets.env)
  const checked = schemaProblems(parsed, secrets.env, secrets.fromFile)
  const invalid: ReadonlySet<string> = checked.invalid
  const valid = Object.fromEntries(Object.entries(parsed).filter(([name]) => !invalid.has(name)))
  // Always true: only variables the schema accepted are left. The guard is what types them.
  if (!Value.Check(EnvSchema, valid)) return { ok: false, problems: ['the configuration could not be checked'] }
  const rules = checkRules(valid, (name: EnvName) => isSet(secrets.env[name]), { keyRequired: !keyless })
  const tls = readDatabaseTls(valid, { readFile, cwd })
  const problems = [...secrets.problems, ...checked.problems, ...rules.problems, ...tls.problems]
  if (problems.length > 0) return { ok: false, problems }

  const warnings = [...rules.warnings, ...tls.warnings]
  const dataDirSetting = valid.EVENTCORE_DATA_DIR ?? DEFAULTS.EVENTCORE_DATA_DIR
  const dataDir =
    dataDirSetting === MEMORY_DATA_DIR || isAbsolute(dataDirSetting) ? dataDirSetting : resolve(cwd, dataDirSetting)
  const key = keyOptions(valid)
  if (key !== undefined) {
    return { ok: true, config: configOf(valid, dataDir, key, false, tls.ssl), warnings }
  }
  if (keyless) {
    const unused = { secret: randomBytes(32).toString('base64url') }
    return { ok: true, config: configOf(valid, dataDir, unused, true, tls.ssl), warnings }
  }
  const generated = devSecret(dataDir, { readFile, createFile })
  if (!generated.ok) return { ok: false, problems: [generated.problem] }
  warnings.push(
    `${GENERATED_SECRET_WARNING}${generated.path === undefined ? ' kept in memory' : ` stored in ${generated.path}`} (set EVENTCORE_JWT_SECRET or another key source; refused in production)`,
  )
  const config = configOf(valid, dataDir, { secret: generated.secret }, true, tls.ssl)
  return { ok: true, config: { ...config, auth: { ...config.auth, createdSecret: generated.created } }, warnings }
}
