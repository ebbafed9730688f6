import type { CorsOptions, RateLimitOptions, SecurityOptions, TokenChecks, TokenKey } from '@eventcore/http'
import type { Static } from 'typebox'
import type { LogLevelSchema, NodeEnvSchema } from './schema.js'

/** `NODE_ENV`: what the service refuses and what it generates depend on it. */
export type NodeEnv = Static<typeof NodeEnvSchema>

/** `EVENTCORE_LOG_LEVEL`. */
export type LogLevel = Static<typeof LogLevelSchema>

/** How tokens are verified: `AuthOptions` of `@eventcore/http` minus the service's role table. */
export type JwtOptions = TokenKey & TokenChecks

/** Where events live. */
export interface DatabaseConfig {
  /** A PostgreSQL URL; unset means the embedded PGlite in `dataDir`. */
  readonly url?: string
  /** The schema holding EventCore's tables and the service's read models. */
  readonly schema: string
  readonly poolSize: number
  readonly connectTimeoutMs: number
  readonly statementTimeoutMs: number
  /** The longest a request waits for a free pool connection before it is answered 503. */
  readonly poolWaitMs: number
  /** TLS certificates read from `EVENTCORE_DATABASE_SSL_*_FILE` (PEM texts); the URL's `sslmode` says how they are used. */
  readonly ssl?: DatabaseTls
  /**
   * Migrate the schema (and run the service's own DDL, its `prepare`) at start. False: the schema
   * belongs to a migrator role; the service checks it is up to date and never runs DDL.
   */
  readonly migrate: boolean
}

/** The PEM texts of `EVENTCORE_DATABASE_SSL_CA_FILE`, `…_CERT_FILE` and `…_KEY_FILE`, those set. */
export interface DatabaseTls {
  readonly ca?: string
  readonly cert?: string
  readonly key?: string
}

/** The service's configuration, validated and with every default applied. */
export interface Config {
  readonly env: NodeEnv
  readonly port: number
  readonly host: string
  readonly database: DatabaseConfig
  /** An absolute directory (PGlite files, the development secret), or `memory://`. */
  readonly dataDir: string
  readonly auth: {
    /** Exactly one of `secret`, `jwksUrl`, `publicKeyPem` is set. */
    readonly options: JwtOptions
    /** True when `options.secret` was generated for development (no key was configured). */
    readonly generatedSecret: boolean
    /** True when that secret was created by this start (always in memory); false when read from the data directory. */
    readonly createdSecret?: boolean
  }
  /** `['*']` (outside production only) means any origin. */
  readonly cors: Required<CorsOptions>
  readonly rateLimit: Required<Pick<RateLimitOptions, 'max' | 'windowMs'>>
  /** Shares rate limits across replicas; unset means per-process counters. */
  readonly redisUrl?: string
  readonly security: Required<SecurityOptions>
  /** Fastify's `trustProxy`: all, none, a hop count or the proxies' addresses. */
  readonly trustProxy: boolean | number | string[]
  readonly bodyLimitBytes: number
  readonly requestTimeoutMs: number
  readonly commandTimeoutMs: number
  /** Commands running at once in this replica; more are refused at once with 503 and `Retry-After`. */
  readonly maxConcurrentCommands: number
  readonly shutdownTimeoutMs: number
  /** After a stop signal, how long to keep serving with `/ready` at 503 before closing. */
  readonly shutdownDrainMs: number
  readonly readyTimeoutMs: number
  readonly logLevel: LogLevel
  /** Serve `/metrics` on this port of its own instead of the API's; unset: on the API's port. */
  readonly metricsPort?: number
  /** Serve the API explorer at `/docs` (no token needed). @default true outside production, false in it */
  readonly apiDocs: boolean
}

/** What {@link loadConfig} returns: the configuration, or every problem found. */
export type ConfigResult =
  | { readonly ok: true; readonly config: Config; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly problems: readonly string[] }
