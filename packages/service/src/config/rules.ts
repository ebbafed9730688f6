import { createPublicKey } from 'node:crypto'
import { DEFAULTS } from './defaults.js'
import type { EnvName, ParsedEnv } from './schema.js'

/** Problems and warnings that involve more than one variable, or depend on `NODE_ENV`. */
export interface RuleFindings {
  readonly problems: readonly string[]
  readonly warnings: readonly string[]
}

const KEY_SOURCES = ['EVENTCORE_JWT_SECRET', 'EVENTCORE_JWT_JWKS_URL', 'EVENTCORE_JWT_PUBLIC_KEY'] as const

// What importSPKI accepts for each algorithm, checked now rather than when the server registers auth.
function keyMismatch(pem: string, algorithm: 'RS256' | 'ES256'): string | undefined {
  const key = createPublicKey(pem)
  const type = key.asymmetricKeyType ?? 'unknown'
  if (algorithm === 'RS256' && type === 'rsa') return undefined
  if (algorithm === 'ES256' && type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return undefined
  const curve = key.asymmetricKeyDetails?.namedCurve
  const kind = curve === undefined ? type : `${type} (${curve})`
  return `EVENTCORE_JWT_PUBLIC_KEY is an ${kind} key, which EVENTCORE_JWT_ALGORITHM=${algorithm} cannot verify (RS256 needs RSA, ES256 needs EC P-256)`
}

// A CA or client certificate without sslmode means verify-full (see resolvePostgresTls).
const hasTls = (env: ParsedEnv, url: string) => {
  const sslmode = new URL(url).searchParams.get('sslmode')
  if (sslmode === null)
    return env.EVENTCORE_DATABASE_SSL_CA_FILE !== undefined || env.EVENTCORE_DATABASE_SSL_CERT_FILE !== undefined
  return sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full'
}

/**
 * The checks a schema cannot express: one JWT key source at most; with `NODE_ENV=production`, what
 * the security audit rates critical (no JWT key, CORS `*`, HTTPS not enforced) is refused. `env`
 * holds the valid variables only; `isSet` tells whether a variable was given at all (valid or not),
 * so a bad value is not also reported as missing. `keyRequired: false` drops the JWT key requirement
 * for tools that never verify or sign a token.
 *
 * @example
 * checkRules({ NODE_ENV: 'production' }, () => false).problems
 * // → ['NODE_ENV=production needs a JWT key: set EVENTCORE_JWT_SECRET (or _FILE), …']
 */
export function checkRules(
  env: ParsedEnv,
  isSet: (name: EnvName) => boolean,
  { keyRequired = true }: { readonly keyRequired?: boolean } = {},
): RuleFindings {
  const problems: string[] = []
  const warnings: string[] = []
  const production = env.NODE_ENV === 'production'

  const keySources = KEY_SOURCES.filter(isSet)
  if (keySources.length > 1) {
    const listed = `${keySources.slice(0, -1).join(', ')} and ${keySources.at(-1)}`
    problems.push(`set only one JWT key source: ${listed} are set`)
  }
  if (production && keyRequired && keySources.length === 0) {
    problems.push(
      'NODE_ENV=production needs a JWT key: set EVENTCORE_JWT_SECRET (or _FILE), EVENTCORE_JWT_JWKS_URL or EVENTCORE_JWT_PUBLIC_KEY (or _FILE)',
    )
  }
  if (env.EVENTCORE_JWT_PUBLIC_KEY !== undefined) {
    const mismatch = keyMismatch(env.EVENTCORE_JWT_PUBLIC_KEY, env.EVENTCORE_JWT_ALGORITHM ?? 'RS256')
    if (mismatch !== undefined) problems.push(mismatch)
  } else if (env.EVENTCORE_JWT_ALGORITHM !== undefined) {
    warnings.push('EVENTCORE_JWT_ALGORITHM only applies to EVENTCORE_JWT_PUBLIC_KEY, which is not set; it is ignored')
  }
  if (env.EVENTCORE_JWT_JWKS_URL?.startsWith('http:')) {
    warnings.push('EVENTCORE_JWT_JWKS_URL uses plain http: the keys can be swapped in transit; use https')
  }
  if (production && keySources.length > 0 && env.EVENTCORE_JWT_AUDIENCE === undefined) {
    warnings.push('EVENTCORE_JWT_AUDIENCE is not set: tokens the same key signed for other services are accepted')
  }

  const origins = env.EVENTCORE_CORS_ORIGINS ?? []
  if (origins.includes('*')) {
    if (origins.length > 1) problems.push("EVENTCORE_CORS_ORIGINS: '*' cannot be combined with other origins")
    if (production) {
      problems.push("EVENTCORE_CORS_ORIGINS='*' is refused with NODE_ENV=production; list the exact origins")
    } else {
      warnings.push("EVENTCORE_CORS_ORIGINS='*' lets any web page call the API; it is refused in production")
    }
  }

  if (production && env.EVENTCORE_ENFORCE_HTTPS === false) {
    problems.push(
      'EVENTCORE_ENFORCE_HTTPS=false is refused with NODE_ENV=production; terminate TLS at a proxy and set EVENTCORE_TRUST_PROXY',
    )
  }
  if (production && env.EVENTCORE_ENFORCE_HTTPS !== false && (env.EVENTCORE_TRUST_PROXY ?? false) === false) {
    warnings.push(
      'HTTPS is enforced but EVENTCORE_TRUST_PROXY is false: behind a TLS-terminating proxy every request looks like plain HTTP',
    )
  }
  if (production && env.EVENTCORE_DATABASE_URL !== undefined && !hasTls(env, env.EVENTCORE_DATABASE_URL)) {
    warnings.push(
      'EVENTCORE_DATABASE_URL has no sslmode=require, verify-ca or verify-full (nor EVENTCORE_DATABASE_SSL_CA_FILE): the connection to PostgreSQL is not encrypted',
    )
  }

  const commandTimeout = env.EVENTCORE_COMMAND_TIMEOUT_MS ?? DEFAULTS.EVENTCORE_COMMAND_TIMEOUT_MS
  const requestTimeout = env.EVENTCORE_REQUEST_TIMEOUT_MS ?? DEFAULTS.EVENTCORE_REQUEST_TIMEOUT_MS
  if (commandTimeout >= requestTimeout) {
    warnings.push(
      `EVENTCORE_COMMAND_TIMEOUT_MS (${commandTimeout}) is not below EVENTCORE_REQUEST_TIMEOUT_MS (${requestTimeout}): requests time out before their command`,
    )
  }
  const drain = env.EVENTCORE_SHUTDOWN_DRAIN_MS ?? DEFAULTS.EVENTCORE_SHUTDOWN_DRAIN_MS
  const deadline = env.EVENTCORE_SHUTDOWN_TIMEOUT_MS ?? DEFAULTS.EVENTCORE_SHUTDOWN_TIMEOUT_MS
  if (drain >= deadline) {
    problems.push(
      `EVENTCORE_SHUTDOWN_DRAIN_MS (${drain}) must be below EVENTCORE_SHUTDOWN_TIMEOUT_MS (${deadline}): the deadline would end the process while it still drains`,
    )
  }
  return { problems, warnings }
}
