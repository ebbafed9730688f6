import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { formatProblems } from './format-problems.js'
import { type LoadConfigOptions, loadConfig } from './load-config.js'
import type { RawEnv } from './parse-env.js'

const SECRET = 'a-test-secret-that-is-at-least-32-bytes'
const noFiles: LoadConfigOptions = {
  readFile: () => {
    throw new Error('no file access in this test')
  },
  createFile: () => {
    throw new Error('no file access in this test')
  },
  cwd: '/srv/users',
}
const load = (env: RawEnv) => loadConfig({ EVENTCORE_JWT_SECRET: SECRET, ...env }, noFiles)

function problemsOf(env: RawEnv): readonly string[] {
  const result = load(env)
  if (result.ok) throw new Error(`expected problems, got a config for ${JSON.stringify(env)}`)
  return result.problems
}

function configOf(env: RawEnv) {
  const result = load(env)
  if (!result.ok) throw new Error(formatProblems(result.problems))
  return result
}

const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
})

describe('loadConfig defaults', () => {
  it('applies every default when only a key is set', () => {
    const { config, warnings } = configOf({})
    expect(warnings).toEqual([])
    expect(config).toEqual({
      env: 'development',
      port: 8080,
      host: '127.0.0.1',
      database: {
        schema: 'eventcore',
        poolSize: 10,
        connectTimeoutMs: 5000,
        statementTimeoutMs: 30_000,
        poolWaitMs: 2000,
        migrate: true,
      },
      dataDir: '/srv/users/data',
      auth: {
        options: { secret: SECRET, maxTokenAgeSeconds: 3600, clockToleranceSeconds: 30 },
        generatedSecret: false,
      },
      cors: { origins: [] },
      rateLimit: { max: 100, windowMs: 60_000 },
      security: { enforceHttps: false, hstsMaxAgeSeconds: 31_536_000 },
      trustProxy: false,
      bodyLimitBytes: 65_536,
      requestTimeoutMs: 10_000,
      commandTimeoutMs: 5000,
      maxConcurrentCommands: 200,
      shutdownTimeoutMs: 10_000,
      shutdownDrainMs: 0,
      readyTimeoutMs: 2000,
      logLevel: 'info',
      apiDocs: true,
    })
  })

  it('listens on loopback only outside production, unless EVENTCORE_HOST opens it', () => {
    for (const env of ['development', 'test'] as const) {
      expect(configOf({ NODE_ENV: env }).config.host, env).toBe('127.0.0.1')
      expect(configOf({ NODE_ENV: env, EVENTCORE_HOST: '0.0.0.0' }).config.host, env).toBe('0.0.0.0')
    }
  })

  it('treats an empty variable as unset', () => {
    expect(configOf({ EVENTCORE_PORT: '', EVENTCORE_CORS_ORIGINS: '' }).config).toMatchObject({
      port: 8080,
      cors: { origins: [] },
    })
  })
})

describe('loadConfig values', () => {
  it('reads every variable into its place', () => {
    const { config } = configOf({
      NODE_ENV: 'test',
      EVENTCORE_PORT: '3000',
      EVENTCORE_HOST: '127.0.0.1',
      EVENTCORE_DATABASE_URL: 'postgres://app:pw@db:5432/users',
      EVENTCORE_DATABASE_SCHEMA: 'users_service',
      EVENTCORE_DATABASE_POOL_SIZE: '20',
      EVENTCORE_DATABASE_CONNECT_TIMEOUT_MS: '2000',
      EVENTCORE_DATABASE_STATEMENT_TIMEOUT_MS: '15000',
      EVENTCORE_DATABASE_POOL_WAIT_MS: '750',
      EVENTCORE_DATABASE_MIGRATE: 'false',
      EVENTCORE_DATA_DIR: '/var/lib/users',
      EVENTCORE_JWT_ISSUER: 'https://id.example.com',
      EVENTCORE_JWT_AUDIENCE: 'users-api',
      EVENTCORE_JWT_MAX_AGE_SECONDS: '900',
      EVENTCORE_JWT_CLOCK_TOLERANCE_SECONDS: '0',
      EVENTCORE_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      EVENTCORE_RATE_LIMIT_MAX: '50',
      EVENTCORE_RATE_LIMIT_WINDOW_MS: '1000',
      EVENTCORE_REDIS_URL: 'rediss://:pw@cache:6380/0',
      EVENTCORE_ENFORCE_HTTPS: '1',
      EVENTCORE_TRUST_PROXY: '2',
      EVENTCORE_HSTS_MAX_AGE_SECONDS: '0',
      EVENTCORE_BODY_LIMIT_BYTES: '1024',
      EVENTCORE_REQUEST_TIMEOUT_MS: '8000',
      EVENTCORE_COMMAND_TIMEOUT_MS: '4000',
      EVENTCORE_MAX_CONCURRENT_COMMANDS: '64',
      EVENTCORE_SHUTDOWN_TIMEOUT_MS: '20000',
      EVENTCORE_SHUTDOWN_DRAIN_MS: '3000',
      EVENTCORE_READY_TIMEOUT_MS: '500',
      EVENTCORE_LOG_LEVEL: 'silent',
      EVENTCORE_API_DOCS: '0',
    })
    expect(config).toEqual({
      env: 'test',
      port: 3000,
      host: '127.0.0.1',
      database: {
        url: 'postgres://app:pw@db:5432/users',
        schema: 'users_service',
        poolSize: 20,
        connectTimeoutMs: 2000,
        statementTimeoutMs: 15_000,
        poolWaitMs: 750,
        migrate: false,
      },
      dataDir: '/var/lib/users',
      auth: {
        options: {
          secret: SECRET,
          issuer: 'https://id.example.com',
          audience: 'users-api',
          maxTokenAgeSeconds: 900,
          clockToleranceSeconds: 0,
        },
        generatedSecret: false,
      },
      cors: { origins: ['https://app.example.com', 'http://localhost:5173'] },
      rateLimit: { max: 50, windowMs: 1000 },
      redisUrl: 'rediss://:pw@cache:6380/0',
      security: { enforceHttps: true, hstsMaxAgeSeconds: 0 },
      trustProxy: 2,
      bodyLimitBytes: 1024,
      requestTimeoutMs: 8000,
      commandTimeoutMs: 4000,
      maxConcurrentCommands: 64,
      shutdownTimeoutMs: 20_000,
      shutdownDrainMs: 3000,
      readyTimeoutMs: 500,
      logLevel: 'silent',
      apiDocs: false,
    })
  })

  it.each([
    ['true', true],
    ['1', 1],
    ['false', false],
    ['0', false],
    ['10.0.0.0/8, 192.168.1.7, ::1, fd00::/8, loopback', ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8', 'loopback']],
  ])('reads EVENTCORE_TRUST_PROXY=%s as %j', (text, expected) => {
    expect(configOf({ EVENTCORE_TRUST_PROXY: text }).config.trustProxy).toEqual(expected)
  })

  it('takes a JWKS URL or a public key instead of a secret', () => {
    const jwks = loadConfig({ EVENTCORE_JWT_JWKS_URL: 'https://id.example.com/.well-known/jwks.json' }, noFiles)
    expect(jwks.ok && jwks.config.auth.options).toMatchObject({
      jwksUrl: 'https://id.example.com/.well-known/jwks.json',
    })
    const pem = loadConfig({ EVENTCORE_JWT_PUBLIC_KEY: rsa.publicKey }, noFiles)
    expect(pem.ok && pem.config.auth.options).toMatchObject({
      publicKeyPem: rsa.publicKey,
      publicKeyAlgorithm: 'RS256',
    })
    expect(pem.ok && pem.config.auth.options.secret).toBeUndefined()
  })

  it('counts bytes, not characters, for the secret', () => {
    expect(load({ EVENTCORE_JWT_SECRET: 'é'.repeat(16) }).ok).toBe(true)
    expect(problemsOf({ EVENTCORE_JWT_SECRET: 'é'.repeat(15) })).toHaveLength(1)
  })
})

describe('formatProblems', () => {
  it('puts a header line above one line per problem', () => {
    const text = formatProblems(['EVENTCORE_PORT must be …', 'EVENTCORE_HOST must be …'])
    expect(text.split('\n')).toEqual([
      'The configuration has 2 problems (see docs/configuration.md):',
      '  - EVENTCORE_PORT must be …',
      '  - EVENTCORE_HOST must be …',
    ])
  })
})

describe('loadConfig for tools that use no token (keyless)', () => {
  const production = {
    NODE_ENV: 'production',
    EVENTCORE_DATABASE_URL: 'postgres://app@db.internal:5432/app?sslmode=verify-full',
    EVENTCORE_TRUST_PROXY: '1',
  }

  it('needs no JWT key in production, and reads or writes no development secret', () => {
    expect(loadConfig(production, noFiles).ok).toBe(false)
    const result = loadConfig(production, { ...noFiles, keyless: true })
    if (!result.ok) throw new Error(formatProblems(result.problems))
    expect(result.config.auth.generatedSecret).toBe(true)
    expect(Buffer.byteLength(result.config.auth.options.secret ?? '')).toBeGreaterThanOrEqual(32)
    expect(result.warnings.join('\n')).not.toContain('development secret')
  })

  it('keeps a configured key, and every other rule', () => {
    const keyed = loadConfig(
      { ...production, EVENTCORE_JWT_SECRET: SECRET, EVENTCORE_JWT_AUDIENCE: 'api' },
      {
        ...noFiles,
        keyless: true,
      },
    )
    expect(keyed.ok && keyed.config.auth).toEqual({
      options: expect.objectContaining({ secret: SECRET }),
      generatedSecret: false,
    })
    const cors = loadConfig({ ...production, EVENTCORE_CORS_ORIGINS: '*' }, { ...noFiles, keyless: true })
    expect(cors.ok).toBe(false)
  })
})
