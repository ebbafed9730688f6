import type { Config, RawEnv } from '@eventcore/service'
import type { Finding } from './finding.js'
import { finding } from './rules.js'

/** Under this many estimated bits an HS256 secret is reported weak. */
export const MIN_SECRET_BITS = 128
/** Tokens older than this are accepted too long. */
export const MAX_TOKEN_AGE_SECONDS = 3600
/** HSTS under six months is reported short (what common scanners use). */
export const MIN_HSTS_SECONDS = 15_768_000
/** More requests than this per minute per client is not a limit worth the name. */
export const MAX_REQUESTS_PER_MINUTE = 1000

/**
 * A secret's entropy as guessed from its text: its length times the Shannon entropy of its
 * characters. It cannot know a secret is random, only that it is not (`aaaa…` scores 0).
 *
 * @example
 * estimatedBits('a'.repeat(40)) // 0
 */
export function estimatedBits(secret: string): number {
  const chars = [...secret]
  const counts = new Map<string, number>()
  for (const char of chars) counts.set(char, (counts.get(char) ?? 0) + 1)
  let perChar = 0
  for (const count of counts.values()) {
    const p = count / chars.length
    perChar -= p * Math.log2(p)
  }
  return chars.length * perChar
}

/** Loopback names and addresses: traffic to them never leaves the machine. */
export function isLocalHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '')
  return bare === 'localhost' || bare === '::1' || bare.startsWith('127.') || bare.startsWith('/')
}

const set = (value: string | undefined): boolean => value !== undefined && value !== ''

function databaseFindings(url: string, env: RawEnv): Finding[] {
  const findings: Finding[] = []
  const parsed = new URL(url)
  const host = parsed.searchParams.get('host') ?? parsed.hostname
  const hasCa = set(env.EVENTCORE_DATABASE_SSL_CA_FILE) || parsed.searchParams.has('sslrootcert')
  // With a CA and no sslmode, the store verifies the server fully (as libpq's verify-full).
  const sslmode = parsed.searchParams.get('sslmode') ?? (hasCa ? 'verify-full' : null)
  if (!isLocalHost(host)) {
    if (sslmode === null || sslmode === 'disable' || sslmode === 'allow' || sslmode === 'prefer') {
      findings.push(
        finding(
          'EC-ENC-003',
          'config',
          `EVENTCORE_DATABASE_URL connects to ${host} with ${sslmode === null ? 'no sslmode' : `sslmode=${sslmode}`}: the connection is not required to be encrypted`,
          'EVENTCORE_DATABASE_URL',
        ),
      )
    } else if ((sslmode === 'require' || sslmode === 'no-verify') && !hasCa) {
      findings.push(
        finding(
          'EC-ENC-004',
          'config',
          `EVENTCORE_DATABASE_URL connects to ${host} with sslmode=${sslmode} and no CA: any certificate is accepted`,
          'EVENTCORE_DATABASE_URL',
        ),
      )
    }
  }
  if (parsed.password !== '' && set(env.EVENTCORE_DATABASE_URL)) {
    findings.push(
      finding(
        'EC-DATA-001',
        'config',
        'EVENTCORE_DATABASE_URL holds a password in the environment (not from EVENTCORE_DATABASE_URL_FILE)',
        'EVENTCORE_DATABASE_URL',
      ),
    )
  }
  return findings
}

/**
 * Audits the service's configuration as `loadCliConfig` loaded it. `env` is the raw environment it
 * came from, to tell a secret given inline from one read from a `*_FILE`. Pure: reads nothing else.
 *
 * @example
 * const findings = auditConfig(loadCliConfig(io), io.env)
 */
export function auditConfig(config: Config, env: RawEnv): Finding[] {
  const findings: Finding[] = []
  const { options: auth, generatedSecret } = config.auth

  if (config.env !== 'production') {
    findings.push(finding('EC-DATA-003', 'config', `NODE_ENV is '${config.env}'`, 'NODE_ENV'))
  }
  if (generatedSecret) {
    findings.push(
      finding(
        'EC-AUTH-001',
        'config',
        'no EVENTCORE_JWT_SECRET, EVENTCORE_JWT_JWKS_URL or EVENTCORE_JWT_PUBLIC_KEY: a development secret was generated',
        'EVENTCORE_JWT_SECRET',
      ),
    )
  } else if ('secret' in auth && auth.secret !== undefined) {
    const bits = Math.round(estimatedBits(auth.secret))
    if (bits < MIN_SECRET_BITS) {
      findings.push(
        finding(
          'EC-AUTH-002',
          'config',
          `EVENTCORE_JWT_SECRET has about ${bits} bits of entropy (${Buffer.byteLength(auth.secret)} bytes, ${new Set(auth.secret).size} distinct characters); at least ${MIN_SECRET_BITS} are needed`,
          'EVENTCORE_JWT_SECRET',
        ),
      )
    }
  }
  if ('jwksUrl' in auth && auth.jwksUrl?.startsWith('http:')) {
    findings.push(
      finding('EC-AUTH-004', 'config', `EVENTCORE_JWT_JWKS_URL is ${auth.jwksUrl}`, 'EVENTCORE_JWT_JWKS_URL'),
    )
  }
  const maxAge = auth.maxTokenAgeSeconds
  if (maxAge !== undefined && maxAge > MAX_TOKEN_AGE_SECONDS) {
    findings.push(
      finding(
        'EC-AUTH-003',
        'config',
        `EVENTCORE_JWT_MAX_AGE_SECONDS is ${maxAge} (${(maxAge / 3600).toFixed(1)} h); at most ${MAX_TOKEN_AGE_SECONDS} is advised`,
        'EVENTCORE_JWT_MAX_AGE_SECONDS',
      ),
    )
  }
  if (auth.audience === undefined) {
    findings.push(finding('EC-AUTH-005', 'config', 'EVENTCORE_JWT_AUDIENCE is not set', 'EVENTCORE_JWT_AUDIENCE'))
  }

  const origins = config.cors.origins
  if (origins.includes('*')) {
    findings.push(finding('EC-NET-001', 'config', "EVENTCORE_CORS_ORIGINS is '*'", 'EVENTCORE_CORS_ORIGINS'))
  }
  const plain = origins.filter((origin) => origin.startsWith('http:') && !isLocalHost(new URL(origin).hostname))
  if (plain.length > 0) {
    findings.push(
      finding('EC-NET-002', 'config', `EVENTCORE_CORS_ORIGINS allows ${plain.join(', ')}`, 'EVENTCORE_CORS_ORIGINS'),
    )
  }

  if (!config.security.enforceHttps) {
    findings.push(
      finding(
        'EC-ENC-001',
        'config',
        `EVENTCORE_ENFORCE_HTTPS is false${set(env.EVENTCORE_ENFORCE_HTTPS) ? '' : ` (the default with NODE_ENV=${config.env})`}: plain HTTP requests are served`,
        'EVENTCORE_ENFORCE_HTTPS',
      ),
    )
  } else if (config.security.hstsMaxAgeSeconds < MIN_HSTS_SECONDS) {
    findings.push(
      finding(
        'EC-ENC-002',
        'config',
        `EVENTCORE_HSTS_MAX_AGE_SECONDS is ${config.security.hstsMaxAgeSeconds} s (${(config.security.hstsMaxAgeSeconds / 86_400).toFixed(0)} days)`,
        'EVENTCORE_HSTS_MAX_AGE_SECONDS',
      ),
    )
  }

  const perMinute = (config.rateLimit.max * 60_000) / config.rateLimit.windowMs
  if (perMinute > MAX_REQUESTS_PER_MINUTE) {
    findings.push(
      finding(
        'EC-NET-003',
        'config',
        `EVENTCORE_RATE_LIMIT_MAX=${config.rateLimit.max} per EVENTCORE_RATE_LIMIT_WINDOW_MS=${config.rateLimit.windowMs} is ${Math.round(perMinute)} requests per minute per client (limit ${MAX_REQUESTS_PER_MINUTE})`,
        'EVENTCORE_RATE_LIMIT_MAX',
      ),
    )
  }
  if (config.metricsPort === undefined && !isLocalHost(config.host)) {
    findings.push(
      finding(
        'EC-NET-004',
        'config',
        `EVENTCORE_METRICS_PORT is not set: /metrics is served without a token on ${config.host}:${config.port} with the API`,
        'EVENTCORE_METRICS_PORT',
      ),
    )
  }
  if (config.logLevel === 'debug' || config.logLevel === 'trace') {
    findings.push(finding('EC-DATA-002', 'config', `EVENTCORE_LOG_LEVEL is ${config.logLevel}`, 'EVENTCORE_LOG_LEVEL'))
  }
  if (config.database.url !== undefined) findings.push(...databaseFindings(config.database.url, env))
  return findings
}
