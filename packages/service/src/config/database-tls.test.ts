import { describe, expect, it } from 'vitest'
import type { ReadFile } from './files.js'
import { type LoadConfigOptions, loadConfig } from './load-config.js'
import type { RawEnv } from './parse-env.js'

const SECRET = 'a-test-secret-that-is-at-least-32-bytes'
const CA = '-----BEGIN CERTIFICATE-----\nMIIB…CA\n-----END CERTIFICATE-----\n'
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB…client\n-----END CERTIFICATE-----\n'
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE…key\n-----END PRIVATE KEY-----\n'
const FILES: Readonly<Record<string, string>> = {
  '/run/secrets/db-ca.pem': CA,
  '/srv/users/tls/client.pem': CERT,
  '/srv/users/tls/client.key': KEY,
  '/run/secrets/not-pem.txt': 'hello',
}
const readFile: ReadFile = (path) => {
  const text = FILES[path]
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
  return text
}
const options: LoadConfigOptions = { readFile, createFile: () => {}, cwd: '/srv/users' }
const load = (env: RawEnv) => loadConfig({ EVENTCORE_JWT_SECRET: SECRET, ...env }, options)
const URL = 'postgres://app:pw@db.internal:5432/users'

describe('the database TLS files', () => {
  it('are read at load time (relative paths from the working directory) into config.database.ssl', () => {
    const result = load({
      EVENTCORE_DATABASE_URL: `${URL}?sslmode=verify-full`,
      EVENTCORE_DATABASE_SSL_CA_FILE: '/run/secrets/db-ca.pem',
      EVENTCORE_DATABASE_SSL_CERT_FILE: 'tls/client.pem',
      EVENTCORE_DATABASE_SSL_KEY_FILE: 'tls/client.key',
    })
    expect(result).toMatchObject({
      ok: true,
      warnings: [],
      config: { database: { ssl: { ca: CA, cert: CERT, key: KEY } } },
    })
  })

  it('leave ssl unset when none is given', () => {
    const result = load({ EVENTCORE_DATABASE_URL: `${URL}?sslmode=require` })
    expect(result.ok && result.config.database.ssl).toBe(undefined)
  })

  it('report every unreadable or non-PEM file, naming the variable and path but never the contents', () => {
    const result = load({
      EVENTCORE_DATABASE_URL: URL,
      EVENTCORE_DATABASE_SSL_CA_FILE: '/run/secrets/missing.pem',
      EVENTCORE_DATABASE_SSL_CERT_FILE: '/run/secrets/not-pem.txt',
      EVENTCORE_DATABASE_SSL_KEY_FILE: 'tls/client.key',
    })
    expect(result).toEqual({
      ok: false,
      problems: [
        "EVENTCORE_DATABASE_SSL_CA_FILE: cannot read '/run/secrets/missing.pem' (ENOENT)",
        "EVENTCORE_DATABASE_SSL_CERT_FILE: '/run/secrets/not-pem.txt' is not a PEM certificate",
      ],
    })
  })

  it('are checked with the URL as the store will: a certificate without its key, sslmode=prefer', () => {
    const result = load({
      EVENTCORE_DATABASE_URL: `${URL}?sslmode=prefer`,
      EVENTCORE_DATABASE_SSL_CERT_FILE: 'tls/client.pem',
    })
    expect(result).toMatchObject({
      ok: false,
      problems: [
        expect.stringMatching(/^EVENTCORE_DATABASE_URL: sslmode=prefer is not supported/),
        'EVENTCORE_DATABASE_SSL_*_FILE: a client certificate needs its key, and a key its certificate',
      ],
    })
    expect(JSON.stringify(result)).not.toContain(':pw@')
  })

  it('count as TLS for the production warning, and are ignored with a warning without a database URL', () => {
    const production = load({
      NODE_ENV: 'production',
      EVENTCORE_TRUST_PROXY: '1',
      EVENTCORE_JWT_AUDIENCE: 'users',
      EVENTCORE_DATABASE_URL: URL,
      EVENTCORE_DATABASE_SSL_CA_FILE: '/run/secrets/db-ca.pem',
    })
    expect(production).toMatchObject({ ok: true, warnings: [] })
    const pglite = load({ EVENTCORE_DATA_DIR: 'memory://', EVENTCORE_DATABASE_SSL_CA_FILE: '/run/secrets/db-ca.pem' })
    expect(pglite).toMatchObject({
      ok: true,
      warnings: ['EVENTCORE_DATABASE_SSL_*_FILE apply to PostgreSQL only (EVENTCORE_DATABASE_URL); ignored'],
    })
  })
})
