import { createPublicKey } from 'node:crypto'
import { isIP } from 'node:net'
import { type Static, type TSchema, Type } from 'typebox'

// Each variable's `description` completes "<NAME> must be …" in a problem, so it says what is
// accepted, not what the variable is for (docs/configuration.md does that).
const integer = (minimum: number, maximum: number) =>
  Type.Optional(Type.Integer({ minimum, maximum, description: `an integer between ${minimum} and ${maximum}` }))

// A claim value compared exactly: stray spaces around it are a mistake, not part of it.
const trimmed = () =>
  Type.Optional(Type.String({ pattern: '^\\S(.*\\S)?$', description: 'a string without leading or trailing spaces' }))

const boolean = () => Type.Optional(Type.Boolean({ description: 'true, false, 1 or 0' }))

const filePath = () =>
  Type.Optional(
    Type.String({ pattern: '^\\S(.*\\S)?$', description: 'a file path without leading or trailing spaces' }),
  )

const oneOf = <const Values extends string[]>(values: readonly [...Values]) =>
  Type.Enum(values, { description: `one of ${values.map((value) => `'${value}'`).join(', ')}` })

const parsesAsUrl = (text: string, protocols: readonly string[]): boolean => {
  if (!URL.canParse(text)) return false
  const url = new URL(text)
  return protocols.includes(url.protocol) && url.hostname !== ''
}

const urlOf = (protocols: readonly string[], description: string) =>
  Type.Optional(Type.Refine(Type.String({ description }), (text) => parsesAsUrl(text, protocols)))

/** An origin exactly as a browser sends it in `Origin`: scheme, host and port, nothing else. */
export function isHttpOrigin(text: string): boolean {
  if (!parsesAsUrl(text, ['http:', 'https:'])) return false
  return new URL(text).origin === text
}

// proxy-addr (Fastify's trustProxy) also knows these names for the private ranges.
const PROXY_RANGE_NAMES: ReadonlySet<string> = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** An IP address, a CIDR range (`10.0.0.0/8`) or one of proxy-addr's names (`loopback`, …). */
export function isProxyAddress(text: string): boolean {
  if (PROXY_RANGE_NAMES.has(text)) return true
  const [address = '', prefix, ...rest] = text.split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return false
  if (prefix === undefined) return true
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)
}

const isSpkiPem = (text: string): boolean => {
  if (!text.includes('-----BEGIN PUBLIC KEY-----')) return false
  try {
    createPublicKey(text)
    return true
  } catch {
    return false
  }
}

/** `NODE_ENV` values. */
export const NodeEnvSchema = oneOf(['production', 'development', 'test'])

/** `EVENTCORE_LOG_LEVEL` values (pino's levels). */
export const LogLevelSchema = oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

/** `EVENTCORE_JWT_ALGORITHM` values: the algorithms of an asymmetric public key. */
export const JwtAlgorithmSchema = oneOf(['RS256', 'ES256'])

/**
 * The environment after lexical parsing (see `parseEnv`): integers are numbers, booleans are
 * booleans, lists are arrays. Every variable is optional; defaults are applied afterwards.
 */
export const EnvSchema = Type.Object({
  NODE_ENV: Type.Optional(NodeEnvSchema),
  EVENTCORE_PORT: integer(0, 65_535),
  EVENTCORE_HOST: Type.Optional(
    Type.String({ pattern: '^\\S+$', description: 'a host name or address without spaces' }),
  ),
  EVENTCORE_DATABASE_URL: urlOf(['postgres:', 'postgresql:'], 'a postgres:// or postgresql:// URL with a host'),
  EVENTCORE_DATABASE_SCHEMA: Type.Optional(
    Type.String({
      pattern: '^[a-z_][a-z0-9_]{0,62}$',
      description: 'a lower-case PostgreSQL identifier (letters, digits, _; at most 63)',
    }),
  ),
  EVENTCORE_DATABASE_POOL_SIZE: integer(1, 200),
  EVENTCORE_DATABASE_CONNECT_TIMEOUT_MS: integer(100, 120_000),
  EVENTCORE_DATABASE_POOL_WAIT_MS: integer(10, 120_000),
  EVENTCORE_DATABASE_STATEMENT_TIMEOUT_MS: integer(100, 3_600_000),
  EVENTCORE_DATABASE_SSL_CA_FILE: filePath(),
  EVENTCORE_DATABASE_SSL_CERT_FILE: filePath(),
  EVENTCORE_DATABASE_SSL_KEY_FILE: filePath(),
  EVENTCORE_DATABASE_MIGRATE: boolean(),
  EVENTCORE_DATA_DIR: Type.Optional(
    Type.Refine(
      Type.String({ description: 'a directory path or memory://' }),
      (dir) => dir === 'memory://' || !dir.includes('://'),
    ),
  ),
  EVENTCORE_JWT_SECRET: Type.Optional(
    Type.Refine(
      Type.String({ description: 'at least 32 bytes long (e.g. `openssl rand -base64 32`)' }),
      (secret) => Buffer.byteLength(secret) >= 32,
    ),
  ),
  EVENTCORE_JWT_JWKS_URL: urlOf(['https:', 'http:'], 'an http(s) URL'),
  EVENTCORE_JWT_PUBLIC_KEY: Type.Optional(
    Type.Refine(Type.String({ description: 'an SPKI PEM public key (-----BEGIN PUBLIC KEY-----)' }), isSpkiPem),
  ),
  EVENTCORE_JWT_ALGORITHM: Type.Optional(JwtAlgorithmSchema),
  EVENTCORE_JWT_ISSUER: trimmed(),
  EVENTCORE_JWT_AUDIENCE: trimmed(),
  EVENTCORE_JWT_MAX_AGE_SECONDS: integer(1, 604_800),
  EVENTCORE_JWT_CLOCK_TOLERANCE_SECONDS: integer(0, 300),
  EVENTCORE_CORS_ORIGINS: Type.Optional(
    Type.Array(
      Type.Refine(Type.String(), (origin) => origin === '*' || isHttpOrigin(origin)),
      { description: 'a comma-separated list of http(s) origins without a path (e.g. https://app.example.com)' },
    ),
  ),
  EVENTCORE_RATE_LIMIT_MAX: integer(1, 1_000_000),
  EVENTCORE_RATE_LIMIT_WINDOW_MS: integer(1000, 86_400_000),
  EVENTCORE_REDIS_URL: urlOf(['redis:', 'rediss:'], 'a redis:// or rediss:// URL'),
  EVENTCORE_ENFORCE_HTTPS: boolean(),
  // Hop count first, so '2' means two proxies; '0' fails it and falls through to false.
  EVENTCORE_TRUST_PROXY: Type.Optional(
    Type.Union(
      [
        Type.Integer({ minimum: 1, maximum: 32 }),
        Type.Boolean(),
        Type.Array(Type.Refine(Type.String(), isProxyAddress), { minItems: 1 }),
      ],
      { description: 'true, false, a hop count between 1 and 32, or a comma-separated list of IPs/CIDR ranges' },
    ),
  ),
  EVENTCORE_HSTS_MAX_AGE_SECONDS: integer(0, 63_072_000),
  EVENTCORE_BODY_LIMIT_BYTES: integer(1024, 10_485_760),
  EVENTCORE_REQUEST_TIMEOUT_MS: integer(100, 600_000),
  EVENTCORE_COMMAND_TIMEOUT_MS: integer(100, 600_000),
  EVENTCORE_MAX_CONCURRENT_COMMANDS: integer(1, 100_000),
  EVENTCORE_SHUTDOWN_TIMEOUT_MS: integer(100, 600_000),
  EVENTCORE_SHUTDOWN_DRAIN_MS: integer(0, 300_000),
  EVENTCORE_READY_TIMEOUT_MS: integer(50, 60_000),
  EVENTCORE_LOG_LEVEL: Type.Optional(LogLevelSchema),
  EVENTCORE_METRICS_PORT: integer(0, 65_535),
  EVENTCORE_API_DOCS: boolean(),
})

/** The environment once it passed {@link EnvSchema}. */
export type ParsedEnv = Static<typeof EnvSchema>

/** The name of a variable the service reads. */
export type EnvName = keyof ParsedEnv

/** Every variable the service reads, in documentation order. */
export const ENV_NAMES: readonly EnvName[] = Object.keys(EnvSchema.properties).filter((name): name is EnvName =>
  Object.hasOwn(EnvSchema.properties, name),
)

/**
 * Variables that may hold a secret: each also comes as `<NAME>_FILE` (a path to read), and no
 * problem or warning ever repeats its value.
 */
export const SECRET_NAMES = [
  'EVENTCORE_DATABASE_URL',
  'EVENTCORE_JWT_SECRET',
  'EVENTCORE_JWT_PUBLIC_KEY',
  'EVENTCORE_REDIS_URL',
] as const satisfies readonly EnvName[]

/** The schema of one variable. */
export function schemaOf(name: EnvName): TSchema {
  return EnvSchema.properties[name]
}
