import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadConfig } from './load-config.js'
import type { RawEnv } from './parse-env.js'
import { ENV_NAMES } from './schema.js'

const SECRET = 'a-test-secret-that-is-at-least-32-bytes'
const options = {
  readFile: () => {
    throw new Error('no file access in this test')
  },
  cwd: '/srv/users',
}

const KEY_SOURCES = ['EVENTCORE_JWT_SECRET', 'EVENTCORE_JWT_JWKS_URL', 'EVENTCORE_JWT_PUBLIC_KEY']

// A valid secret unless the test sets a key source itself, which would then be a second one.
function problemsOf(env: RawEnv): readonly string[] {
  const key = KEY_SOURCES.some((name) => name in env) ? {} : { EVENTCORE_JWT_SECRET: SECRET }
  const result = loadConfig({ ...key, ...env }, options)
  if (result.ok) throw new Error(`expected problems, got a config for ${JSON.stringify(env)}`)
  return result.problems
}

const keys = generateKeyPairSync('ec', {
  namedCurve: 'prime256v1',
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
})

const BAD_VALUES: Readonly<Record<(typeof ENV_NAMES)[number], readonly string[]>> = {
  NODE_ENV: ['prod', 'Production', 'staging'],
  EVENTCORE_PORT: ['abc', '65536', '80.5', '-1', '1e3', '0x50', ' 80'],
  EVENTCORE_HOST: ['local host'],
  EVENTCORE_DATABASE_URL: ['mysql://db/users', 'not a url', 'postgres://'],
  EVENTCORE_DATABASE_SCHEMA: ['Events', 'a-b', '1abc', 'x"; DROP TABLE y; --', 'a'.repeat(64)],
  EVENTCORE_DATABASE_POOL_SIZE: ['0', '201', 'ten'],
  EVENTCORE_DATABASE_CONNECT_TIMEOUT_MS: ['99', '120001', 'abc'],
  EVENTCORE_DATABASE_POOL_WAIT_MS: ['9', '120001', 'later'],
  EVENTCORE_DATABASE_STATEMENT_TIMEOUT_MS: ['1.5', '99'],
  EVENTCORE_DATABASE_SSL_CA_FILE: [' /ca.pem'],
  EVENTCORE_DATABASE_SSL_CERT_FILE: ['/client.pem '],
  EVENTCORE_DATABASE_SSL_KEY_FILE: ['\t/key.pem'],
  EVENTCORE_DATABASE_MIGRATE: ['no', 'TRUE'],
  EVENTCORE_DATA_DIR: ['idb://users', 'file:///var/data'],
  EVENTCORE_JWT_SECRET: ['short', 'x'.repeat(31)],
  EVENTCORE_JWT_JWKS_URL: ['ftp://id.example.com/jwks', 'jwks.json'],
  EVENTCORE_JWT_PUBLIC_KEY: ['not a pem', keys.privateKey],
  EVENTCORE_JWT_ALGORITHM: ['HS256', 'rs256', 'none'],
  EVENTCORE_JWT_ISSUER: [' https://id.example.com'],
  EVENTCORE_JWT_AUDIENCE: ['users-api '],
  EVENTCORE_JWT_MAX_AGE_SECONDS: ['0', '604801', 'hour'],
  EVENTCORE_JWT_CLOCK_TOLERANCE_SECONDS: ['-1', '301'],
  EVENTCORE_CORS_ORIGINS: [
    'ftp://app.example.com',
    'https://app.example.com/path',
    'app.example.com',
    'https://a.example.com/',
  ],
  EVENTCORE_RATE_LIMIT_MAX: ['0', 'many', '1000001'],
  EVENTCORE_RATE_LIMIT_WINDOW_MS: ['999', '1m'],
  EVENTCORE_REDIS_URL: ['http://cache:6379', 'redis'],
  EVENTCORE_ENFORCE_HTTPS: ['yes', 'TRUE', '2', 'on'],
  EVENTCORE_TRUST_PROXY: ['33', '10.0.0.300', '10.0.0.0/33', 'proxy.local', '-1', 'yes'],
  EVENTCORE_HSTS_MAX_AGE_SECONDS: ['-1', '63072001'],
  EVENTCORE_BODY_LIMIT_BYTES: ['1023', '1mb', '10485761'],
  EVENTCORE_REQUEST_TIMEOUT_MS: ['99', '600001'],
  EVENTCORE_COMMAND_TIMEOUT_MS: ['99', 'soon'],
  EVENTCORE_MAX_CONCURRENT_COMMANDS: ['0', '100001', 'many'],
  EVENTCORE_SHUTDOWN_TIMEOUT_MS: ['600001', '0'],
  EVENTCORE_SHUTDOWN_DRAIN_MS: ['-1', '300001', 'soon'],
  EVENTCORE_READY_TIMEOUT_MS: ['49', '60001'],
  EVENTCORE_LOG_LEVEL: ['verbose', 'INFO'],
  EVENTCORE_METRICS_PORT: ['abc', '65536', '-1', '9.5'],
  EVENTCORE_API_DOCS: ['yes', 'TRUE', '2', 'off'],
}

const SECRETS = new Set([
  'EVENTCORE_DATABASE_URL',
  'EVENTCORE_JWT_SECRET',
  'EVENTCORE_JWT_PUBLIC_KEY',
  'EVENTCORE_REDIS_URL',
])
const cases = Object.entries(BAD_VALUES).flatMap(([name, values]) => values.map((value) => [name, value] as const))

describe('loadConfig refuses bad values', () => {
  it.each(cases)('reports %s=%j as one problem naming the variable', (name, value) => {
    const problems = problemsOf({ [name]: value })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(new RegExp(`^${name} must be `))
    if (SECRETS.has(name)) expect(problems[0]).not.toContain('got')
    else expect(problems[0]).toContain(`got '${value}'`)
  })

  it('words a bad port as the brief asks', () => {
    expect(problemsOf({ EVENTCORE_PORT: 'abc' })).toEqual([
      "EVENTCORE_PORT must be an integer between 0 and 65535, got 'abc'",
    ])
  })

  it('reports every bad variable at once, in one call', () => {
    const env = Object.fromEntries(Object.entries(BAD_VALUES).map(([name, values]) => [name, values[0]]))
    const problems = problemsOf(env)
    for (const name of ENV_NAMES) expect(problems.some((problem) => problem.startsWith(`${name} `))).toBe(true)
    // Plus one: the three key sources are all set.
    expect(problems).toHaveLength(ENV_NAMES.length + 1)
    expect(problems).toContain(
      'set only one JWT key source: EVENTCORE_JWT_SECRET, EVENTCORE_JWT_JWKS_URL and EVENTCORE_JWT_PUBLIC_KEY are set',
    )
  })

  it('names each bad origin of a list', () => {
    const problems = problemsOf({
      EVENTCORE_CORS_ORIGINS: 'https://ok.example.com,ftp://a.example.com,https://b.example.com/x',
    })
    expect(problems).toHaveLength(2)
    expect(problems[0]).toContain("got 'ftp://a.example.com'")
    expect(problems[1]).toContain("got 'https://b.example.com/x'")
  })

  it('never repeats a secret in a problem', () => {
    const problems = problemsOf({
      EVENTCORE_JWT_SECRET: 'hunter2',
      EVENTCORE_DATABASE_URL: 'mysql://app:s3cr3t-pw@db/users',
      EVENTCORE_REDIS_URL: 'http://:r3dis-pw@cache',
    })
    expect(problems.join('\n')).not.toMatch(/hunter2|s3cr3t-pw|r3dis-pw/)
  })
})

describe('loadConfig refuses conflicting variables', () => {
  it('refuses more than one JWT key source', () => {
    const env = {
      EVENTCORE_JWT_SECRET: SECRET,
      EVENTCORE_JWT_JWKS_URL: 'https://id.example.com/jwks',
      EVENTCORE_JWT_PUBLIC_KEY: keys.publicKey,
      EVENTCORE_JWT_ALGORITHM: 'ES256',
    }
    expect(problemsOf(env)).toEqual([
      'set only one JWT key source: EVENTCORE_JWT_SECRET, EVENTCORE_JWT_JWKS_URL and EVENTCORE_JWT_PUBLIC_KEY are set',
    ])
  })

  it('refuses two key sources even when one of them is invalid', () => {
    expect(
      problemsOf({ EVENTCORE_JWT_SECRET: 'short', EVENTCORE_JWT_JWKS_URL: 'https://id.example.com/jwks' }),
    ).toEqual([
      'EVENTCORE_JWT_SECRET must be at least 32 bytes long (e.g. `openssl rand -base64 32`)',
      'set only one JWT key source: EVENTCORE_JWT_SECRET and EVENTCORE_JWT_JWKS_URL are set',
    ])
  })

  it('refuses a public key of the wrong type for the algorithm', () => {
    const problems = loadConfig({ EVENTCORE_JWT_PUBLIC_KEY: keys.publicKey }, options)
    expect(problems).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/^EVENTCORE_JWT_PUBLIC_KEY is an ec/)],
    })
    expect(
      loadConfig({ EVENTCORE_JWT_PUBLIC_KEY: keys.publicKey, EVENTCORE_JWT_ALGORITHM: 'ES256' }, options),
    ).toMatchObject({
      ok: true,
      config: { auth: { options: { publicKeyPem: keys.publicKey, publicKeyAlgorithm: 'ES256' } } },
    })
  })

  it("refuses '*' among other origins", () => {
    expect(problemsOf({ EVENTCORE_CORS_ORIGINS: '*,https://app.example.com' })).toEqual([
      "EVENTCORE_CORS_ORIGINS: '*' cannot be combined with other origins",
    ])
  })
})

describe('loadConfig warnings', () => {
  it("warns about '*' and keeps it outside production", () => {
    const result = loadConfig({ EVENTCORE_JWT_SECRET: SECRET, EVENTCORE_CORS_ORIGINS: '*' }, options)
    expect(result).toMatchObject({ ok: true, config: { cors: { origins: ['*'] } } })
    expect(result.ok && result.warnings).toEqual([expect.stringContaining("EVENTCORE_CORS_ORIGINS='*'")])
  })

  it('warns when the command timeout is not below the request timeout', () => {
    const result = loadConfig({ EVENTCORE_JWT_SECRET: SECRET, EVENTCORE_COMMAND_TIMEOUT_MS: '10000' }, options)
    expect(result.ok && result.warnings).toEqual([expect.stringContaining('EVENTCORE_COMMAND_TIMEOUT_MS (10000)')])
  })

  it('warns that EVENTCORE_JWT_ALGORITHM is ignored without a public key', () => {
    const result = loadConfig({ EVENTCORE_JWT_SECRET: SECRET, EVENTCORE_JWT_ALGORITHM: 'ES256' }, options)
    expect(result.ok && result.warnings).toEqual([expect.stringContaining('EVENTCORE_JWT_ALGORITHM only applies')])
  })
})
