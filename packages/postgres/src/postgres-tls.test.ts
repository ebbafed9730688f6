import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolvePostgresTls } from './postgres-tls.js'

const BASE = 'postgres://app:secret@db.internal:5432/events'
const CA = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n'

describe('resolvePostgresTls', () => {
  it('leaves a URL without TLS settings to pg, untouched', () => {
    expect(resolvePostgresTls(`${BASE}?application_name=x`, undefined)).toEqual({
      connectionString: `${BASE}?application_name=x`,
      ssl: undefined,
      mode: undefined,
    })
    expect(resolvePostgresTls(undefined, undefined)).toEqual({
      connectionString: undefined,
      ssl: undefined,
      mode: undefined,
    })
  })

  it('takes sslmode out of the URL (so pg cannot replace the settings) and maps it as libpq does', () => {
    const verifyFull = resolvePostgresTls(`${BASE}?sslmode=verify-full&application_name=x`, { ca: CA })
    expect(verifyFull).toEqual({ connectionString: `${BASE}?application_name=x`, ssl: { ca: CA }, mode: 'verify-full' })

    const verifyCa = resolvePostgresTls(`${BASE}?sslmode=verify-ca`, { ca: CA })
    expect(verifyCa.ssl).toMatchObject({ ca: CA, checkServerIdentity: expect.any(Function) })
    expect(verifyCa.ssl && 'rejectUnauthorized' in verifyCa.ssl).toBe(false)

    expect(resolvePostgresTls(`${BASE}?sslmode=require`, undefined).ssl).toEqual({ rejectUnauthorized: false })
    // libpq: require with a root certificate checks the CA, like verify-ca.
    expect(resolvePostgresTls(`${BASE}?sslmode=require`, { ca: CA }).ssl).toMatchObject({
      ca: CA,
      checkServerIdentity: expect.any(Function),
    })
    expect(resolvePostgresTls(`${BASE}?sslmode=disable`, undefined)).toEqual({
      connectionString: BASE,
      ssl: false,
      mode: 'disable',
    })
  })

  it('means verify-full when certificates are given without sslmode', () => {
    expect(resolvePostgresTls(BASE, { ca: CA })).toMatchObject({ ssl: { ca: CA }, mode: 'verify-full' })
    expect(resolvePostgresTls(`${BASE}?ssl=true`, undefined)).toMatchObject({ ssl: {}, mode: 'verify-full' })
  })

  it('reads sslrootcert, sslcert and sslkey files as libpq does; ssl given in code wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventcore-tls-test-'))
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text)
      return join(dir, name)
    }
    const url = `${BASE}?sslmode=verify-full&sslrootcert=${file('ca.pem', 'FILE CA')}&sslcert=${file('c.pem', 'C')}&sslkey=${file('k.pem', 'K')}`
    expect(resolvePostgresTls(url, undefined)).toEqual({
      connectionString: BASE,
      ssl: { ca: 'FILE CA', cert: 'C', key: 'K' },
      mode: 'verify-full',
    })
    expect(resolvePostgresTls(url, { ca: CA }).ssl).toEqual({ ca: CA, cert: 'C', key: 'K' })
  })

  it('refuses, listing every problem: allow/prefer, verify-ca without a CA, a certificate without its key, an unreadable file', () => {
    expect(() => resolvePostgresTls(`${BASE}?sslmode=prefer`, undefined)).toThrow(/sslmode=prefer is not supported/)
    expect(() => resolvePostgresTls(`${BASE}?sslmode=allow`, undefined)).toThrow(/sslmode=allow is not supported/)
    expect(() => resolvePostgresTls(`${BASE}?sslmode=disable`, { ca: CA })).toThrow(/sslmode=disable, yet/)
    try {
      resolvePostgresTls(`${BASE}?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem`, { cert: 'C' })
      expect.unreachable()
    } catch (error) {
      expect(error).toMatchObject({
        kind: 'validation',
        issues: [
          {
            path: 'connectionString',
            message: expect.stringMatching(/^sslrootcert: cannot read \/nonexistent\/ca\.pem/),
          },
          { path: 'ssl', message: 'a client certificate needs its key, and a key its certificate' },
          { path: 'ssl', message: 'sslmode=verify-ca needs a CA certificate (ssl.ca or sslrootcert)' },
        ],
      })
    }
  })
})
