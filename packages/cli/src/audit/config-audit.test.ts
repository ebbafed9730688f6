import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// auditConfig over configurations loaded by the service's own loader: each rule fires on the bad
// setting and stays silent on the good production configuration.
import { loadConfig, type RawEnv } from '@eventcore/service'
import { describe, expect, it } from 'vitest'
import { auditConfig, estimatedBits, isLocalHost } from './config-audit.js'

const RANDOM_SECRET = 'q3V9xT2mL7pK4wZ8rN1bH6cJ5fD0gS8yA2eU7iO4tR9='
// A URL's sslrootcert is read from disk when the configuration loads.
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const CA_FILE = join(mkdtempSync(join(tmpdir(), 'eventcore-audit-')), 'ca.pem')
writeFileSync(CA_FILE, PEM)

const SECRET_FILES: Readonly<Record<string, string>> = {
  '/run/secrets/database-url': 'postgres://app:s3cret@db.internal:5432/app?sslmode=verify-full',
  // Read (and checked to be PEM) at load time; the audit looks only at whether a CA is given.
  '/run/secrets/ca.pem': PEM,
}

/** A production configuration the audit has nothing to say about. */
const GOOD: RawEnv = {
  NODE_ENV: 'production',
  EVENTCORE_DATA_DIR: 'memory://',
  EVENTCORE_JWT_SECRET: RANDOM_SECRET,
  EVENTCORE_JWT_AUDIENCE: 'users-api',
  EVENTCORE_TRUST_PROXY: 'true',
  EVENTCORE_METRICS_PORT: '9464',
  EVENTCORE_CORS_ORIGINS: 'https://app.example.com',
  EVENTCORE_DATABASE_URL_FILE: '/run/secrets/database-url',
}

function audit(env: RawEnv) {
  const result = loadConfig(env, {
    readFile: (path) => {
      const text = SECRET_FILES[path]
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
      return text
    },
    createFile: () => {
      throw new Error('the audit tests never write a development secret')
    },
  })
  if (!result.ok) throw new Error(result.problems.join('; '))
  const findings = auditConfig(result.config, env)
  return { findings, ids: findings.map((found) => found.id).sort() }
}
const withGood = (changes: RawEnv): RawEnv => ({ ...GOOD, ...changes })

describe('auditConfig', () => {
  it('finds nothing in a production configuration with a strong key, HTTPS, exact origins and a private /metrics', () => {
    expect(audit(GOOD).findings).toEqual([])
  })

  it('reports development mode, HTTPS left off by it, and a generated secret', () => {
    const { ids, findings } = audit({ EVENTCORE_DATA_DIR: 'memory://', EVENTCORE_JWT_AUDIENCE: 'users-api' })
    expect(ids).toEqual(['EC-AUTH-001', 'EC-DATA-003', 'EC-ENC-001'])
    expect(findings.find((found) => found.id === 'EC-ENC-001')?.description).toBe(
      'EVENTCORE_ENFORCE_HTTPS is false (the default with NODE_ENV=development): plain HTTP requests are served',
    )
  })

  it('reports a secret of one repeated character with its measured entropy, and a strong one not', () => {
    const weak = audit(withGood({ EVENTCORE_JWT_SECRET: 'a'.repeat(40) }))
    expect(weak.findings).toEqual([
      expect.objectContaining({
        id: 'EC-AUTH-002',
        severity: 'high',
        category: 'authentication',
        source: 'config',
        location: 'EVENTCORE_JWT_SECRET',
        description:
          'EVENTCORE_JWT_SECRET has about 0 bits of entropy (40 bytes, 1 distinct characters); at least 128 are needed',
      }),
    ])
    expect(audit(withGood({ EVENTCORE_JWT_SECRET: 'ab'.repeat(20) })).findings[0]?.description).toContain(
      'about 40 bits',
    )
    expect(JSON.stringify(weak.findings)).not.toContain('a'.repeat(40))
  })

  it('estimates entropy from the characters: none for one repeated, about 6 bits each for base64 noise', () => {
    expect(estimatedBits('zzzzzzzz')).toBe(0)
    expect(estimatedBits('abcd')).toBe(8)
    expect(estimatedBits(RANDOM_SECRET)).toBeGreaterThan(170)
  })

  it('reports a long token age, a JWKS over http and a missing audience', () => {
    expect(audit(withGood({ EVENTCORE_JWT_MAX_AGE_SECONDS: '86400' })).findings).toEqual([
      expect.objectContaining({ id: 'EC-AUTH-003', description: expect.stringContaining('is 86400 (24.0 h)') }),
    ])
    const jwks = withGood({ EVENTCORE_JWT_SECRET: '', EVENTCORE_JWT_JWKS_URL: 'http://idp.example.com/jwks.json' })
    expect(audit(jwks).ids).toEqual(['EC-AUTH-004'])
    expect(audit(withGood({ EVENTCORE_JWT_AUDIENCE: '' })).ids).toEqual(['EC-AUTH-005'])
  })

  it("reports CORS '*' and plain-http origins, but not http://localhost", () => {
    expect(audit({ EVENTCORE_DATA_DIR: 'memory://', EVENTCORE_CORS_ORIGINS: '*' }).ids).toContain('EC-NET-001')
    const plain = audit(withGood({ EVENTCORE_CORS_ORIGINS: 'https://app.example.com,http://app.example.com' }))
    expect(plain.findings).toEqual([
      expect.objectContaining({
        id: 'EC-NET-002',
        description: 'EVENTCORE_CORS_ORIGINS allows http://app.example.com',
      }),
    ])
    expect(audit(withGood({ EVENTCORE_CORS_ORIGINS: 'http://localhost:3000' })).ids).toEqual([])
  })

  it('reports HTTPS switched off outside production and a short HSTS max-age', () => {
    const off = audit({ EVENTCORE_DATA_DIR: 'memory://', EVENTCORE_ENFORCE_HTTPS: 'false' })
    expect(off.findings.find((found) => found.id === 'EC-ENC-001')?.description).toBe(
      'EVENTCORE_ENFORCE_HTTPS is false: plain HTTP requests are served',
    )
    expect(audit(withGood({ EVENTCORE_HSTS_MAX_AGE_SECONDS: '86400' })).findings).toEqual([
      expect.objectContaining({ id: 'EC-ENC-002', description: 'EVENTCORE_HSTS_MAX_AGE_SECONDS is 86400 s (1 days)' }),
    ])
  })

  it('reports a rate limit above 1000 requests a minute, counted per minute whatever the window', () => {
    expect(audit(withGood({ EVENTCORE_RATE_LIMIT_MAX: '5000' })).findings[0]?.description).toBe(
      'EVENTCORE_RATE_LIMIT_MAX=5000 per EVENTCORE_RATE_LIMIT_WINDOW_MS=60000 is 5000 requests per minute per client (limit 1000)',
    )
    const sameRate = withGood({ EVENTCORE_RATE_LIMIT_MAX: '1000', EVENTCORE_RATE_LIMIT_WINDOW_MS: '60000' })
    expect(audit(sameRate).ids).toEqual([])
    expect(audit(withGood({ EVENTCORE_RATE_LIMIT_MAX: '100', EVENTCORE_RATE_LIMIT_WINDOW_MS: '1000' })).ids).toEqual([
      'EC-NET-003',
    ])
  })

  it('reports /metrics on the API port of a service listening beyond loopback', () => {
    const shared = audit(withGood({ EVENTCORE_METRICS_PORT: '' }))
    expect(shared.findings).toEqual([
      expect.objectContaining({
        id: 'EC-NET-004',
        description:
          'EVENTCORE_METRICS_PORT is not set: /metrics is served without a token on 0.0.0.0:8080 with the API',
      }),
    ])
    expect(audit(withGood({ EVENTCORE_METRICS_PORT: '', EVENTCORE_HOST: '127.0.0.1' })).ids).toEqual([])
  })

  it('reports debug and trace logging', () => {
    expect(audit(withGood({ EVENTCORE_LOG_LEVEL: 'debug' })).ids).toEqual(['EC-DATA-002'])
    expect(audit(withGood({ EVENTCORE_LOG_LEVEL: 'trace' })).ids).toEqual(['EC-DATA-002'])
    expect(audit(withGood({ EVENTCORE_LOG_LEVEL: 'warn' })).ids).toEqual([])
  })

  it('reports a database URL to another host without TLS, or with TLS that verifies nothing', () => {
    const url = (query: string) => ({
      EVENTCORE_DATABASE_URL_FILE: '',
      EVENTCORE_DATABASE_URL: `postgres://app@db.internal/app${query}`,
    })
    expect(audit(withGood(url(''))).findings).toEqual([
      expect.objectContaining({
        id: 'EC-ENC-003',
        description:
          'EVENTCORE_DATABASE_URL connects to db.internal with no sslmode: the connection is not required to be encrypted',
      }),
    ])
    expect(audit(withGood(url('?sslmode=disable'))).ids).toEqual(['EC-ENC-003'])
    expect(audit(withGood(url('?sslmode=require'))).ids).toEqual(['EC-ENC-004'])
    expect(audit(withGood(url('?sslmode=verify-full'))).ids).toEqual([])
    // A CA (EVENTCORE_DATABASE_SSL_CA_FILE or sslrootcert) makes require check the certificate, and no sslmode verify-full.
    expect(
      audit(withGood({ ...url('?sslmode=require'), EVENTCORE_DATABASE_SSL_CA_FILE: '/run/secrets/ca.pem' })).ids,
    ).toEqual([])
    expect(audit(withGood(url(`?sslrootcert=${CA_FILE}`))).ids).toEqual([])
    expect(
      audit(withGood({ EVENTCORE_DATABASE_URL_FILE: '', EVENTCORE_DATABASE_URL: 'postgres://app@127.0.0.1/app' })).ids,
    ).toEqual([])
  })

  it('reports a database password in the environment, not one read from EVENTCORE_DATABASE_URL_FILE', () => {
    const inline = withGood({
      EVENTCORE_DATABASE_URL_FILE: '',
      EVENTCORE_DATABASE_URL: 'postgres://app:s3cret@db.internal/app?sslmode=verify-full',
    })
    const { findings } = audit(inline)
    expect(findings.map((found) => found.id)).toEqual(['EC-DATA-001'])
    expect(JSON.stringify(findings)).not.toContain('s3cret')
    expect(audit(GOOD).ids).toEqual([])
  })

  it('counts loopback names and addresses as local', () => {
    expect(['localhost', '127.0.0.1', '::1', '[::1]', '/var/run/postgresql'].every(isLocalHost)).toBe(true)
    expect(['db.internal', '10.0.0.5', '0.0.0.0'].some(isLocalHost)).toBe(false)
  })
})
