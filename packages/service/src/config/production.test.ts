import { describe, expect, it } from 'vitest'
import { loadConfig } from './load-config.js'
import type { RawEnv } from './parse-env.js'

const noFiles = {
  cwd: '/srv/users',
  readFile: () => {
    throw new Error('no file access in this test')
  },
  createFile: () => {
    throw new Error('production never writes a development secret')
  },
}

const SAFE: RawEnv = {
  NODE_ENV: 'production',
  EVENTCORE_JWT_SECRET: 'a-production-secret-of-at-least-32-bytes',
  EVENTCORE_JWT_AUDIENCE: 'users-api',
  EVENTCORE_TRUST_PROXY: '1',
  EVENTCORE_CORS_ORIGINS: 'https://app.example.com',
}

const load = (env: RawEnv) => loadConfig({ ...SAFE, ...env }, noFiles)

describe('NODE_ENV=production', () => {
  it('accepts a safe configuration, enforcing HTTPS by default', () => {
    const result = load({})
    expect(result).toMatchObject({
      ok: true,
      warnings: [],
      config: { env: 'production', security: { enforceHttps: true } },
    })
  })

  it('serves no API explorer at /docs unless EVENTCORE_API_DOCS=true (outside production it does by default)', () => {
    expect(load({})).toMatchObject({ ok: true, config: { apiDocs: false } })
    expect(load({ EVENTCORE_API_DOCS: 'true' })).toMatchObject({ ok: true, config: { apiDocs: true } })
    expect(load({ NODE_ENV: 'development' })).toMatchObject({ ok: true, config: { apiDocs: true } })
    expect(load({ NODE_ENV: 'development', EVENTCORE_API_DOCS: 'false' })).toMatchObject({ config: { apiDocs: false } })
  })

  it('listens on every interface by default (a load balancer must reach it); EVENTCORE_HOST narrows it', () => {
    expect(load({})).toMatchObject({ config: { host: '0.0.0.0' } })
    expect(load({ EVENTCORE_HOST: '10.0.0.5' })).toMatchObject({ config: { host: '10.0.0.5' } })
  })

  it('refuses to start without a JWT key instead of generating one', () => {
    expect(load({ EVENTCORE_JWT_SECRET: undefined })).toEqual({
      ok: false,
      problems: [
        'NODE_ENV=production needs a JWT key: set EVENTCORE_JWT_SECRET (or _FILE), EVENTCORE_JWT_JWKS_URL or EVENTCORE_JWT_PUBLIC_KEY (or _FILE)',
      ],
    })
  })

  it('refuses a secret under 32 bytes', () => {
    expect(load({ EVENTCORE_JWT_SECRET: 'x'.repeat(31) })).toEqual({
      ok: false,
      problems: ['EVENTCORE_JWT_SECRET must be at least 32 bytes long (e.g. `openssl rand -base64 32`)'],
    })
  })

  it("refuses CORS '*'", () => {
    expect(load({ EVENTCORE_CORS_ORIGINS: '*' })).toEqual({
      ok: false,
      problems: ["EVENTCORE_CORS_ORIGINS='*' is refused with NODE_ENV=production; list the exact origins"],
    })
  })

  it('refuses HTTPS not enforced', () => {
    expect(load({ EVENTCORE_ENFORCE_HTTPS: 'false' })).toEqual({
      ok: false,
      problems: [
        'EVENTCORE_ENFORCE_HTTPS=false is refused with NODE_ENV=production; terminate TLS at a proxy and set EVENTCORE_TRUST_PROXY',
      ],
    })
  })

  it('reports every refusal at once', () => {
    const result = load({ EVENTCORE_JWT_SECRET: undefined, EVENTCORE_CORS_ORIGINS: '*', EVENTCORE_ENFORCE_HTTPS: '0' })
    expect(result.ok ? [] : result.problems).toHaveLength(3)
  })

  it('warns about an unencrypted database, an unchecked audience and an untrusted proxy', () => {
    const result = load({
      EVENTCORE_DATABASE_URL: 'postgres://app:pw@db/users',
      EVENTCORE_JWT_AUDIENCE: undefined,
      EVENTCORE_TRUST_PROXY: undefined,
    })
    expect(result.ok && result.warnings).toEqual([
      expect.stringContaining('EVENTCORE_JWT_AUDIENCE is not set'),
      expect.stringContaining('EVENTCORE_TRUST_PROXY is false'),
      expect.stringContaining('EVENTCORE_DATABASE_URL has no sslmode'),
    ])
    expect(result.ok && result.warnings.join('\n')).not.toContain('pw@')
    expect(load({ EVENTCORE_DATABASE_URL: 'postgres://app:pw@db/users?sslmode=verify-full' })).toMatchObject({
      warnings: [],
    })
  })

  it('allows what it refuses in production elsewhere', () => {
    const result = loadConfig(
      {
        NODE_ENV: 'development',
        EVENTCORE_JWT_SECRET: SAFE.EVENTCORE_JWT_SECRET,
        EVENTCORE_CORS_ORIGINS: '*',
        EVENTCORE_ENFORCE_HTTPS: 'false',
      },
      noFiles,
    )
    expect(result).toMatchObject({ ok: true, config: { security: { enforceHttps: false }, cors: { origins: ['*'] } } })
  })
})
