import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresStore } from './postgres-store.js'
import { canCreateScratchCluster } from './scratch-cluster.js'
import { databaseUrl, uniqueSchema } from './test-database.js'
import { createTlsScratchCluster, type TlsScratchCluster } from './tls-scratch-cluster.js'

// TLS for real: a scratch cluster of this file's own with `ssl = on`, a certificate for localhost
// signed by a throwaway CA, and a pg_hba.conf that takes TCP connections over TLS only.
describe.runIf(databaseUrl && canCreateScratchCluster())('TLS to PostgreSQL', () => {
  let tls: TlsScratchCluster

  beforeAll(async () => {
    tls = await createTlsScratchCluster({ hba: 'tls-only' })
  }, 60_000)
  afterAll(async () => {
    await tls?.drop()
  })

  const url = (query: string, host?: string) => tls.url(query, host)
  const open = (connectionString: string, ssl?: { ca?: string }) =>
    openPostgresStore({ connectionString, ssl, schema: uniqueSchema(), connectTimeoutMs: 3000, poolSize: 2 })

  it('verify-full with the right CA connects over TLS, as pg_stat_ssl shows', async () => {
    const store = await open(url('sslmode=verify-full'), { ca: tls.ca })
    try {
      await store.append([{ streamId: 'tls', events: [{ type: 'Sealed', data: {} }] }])
      expect((await store.readStream('tls')).events).toHaveLength(1)
      const [row] = (await store.pool.query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows
      expect(row).toMatchObject({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) })
    } finally {
      await store.close()
    }
  })

  it('refuses a server whose certificate a wrong CA signed, naming TLS and the cause, without hanging', async () => {
    const started = Date.now()
    await expect(open(url('sslmode=verify-full'), { ca: tls.wrongCa })).rejects.toMatchObject({
      kind: 'store-unavailable',
      transient: false,
      message: expect.stringMatching(/TLS to PostgreSQL failed .*(self-signed certificate|unable to verify)/),
    })
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('verify-full checks the host name; verify-ca checks only the CA', async () => {
    // The certificate names localhost, not 127.0.0.1.
    await expect(open(url('sslmode=verify-full', '127.0.0.1'), { ca: tls.ca })).rejects.toMatchObject({
      message: expect.stringMatching(/TLS to PostgreSQL failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/),
    })
    const store = await open(url('sslmode=verify-ca', '127.0.0.1'), { ca: tls.ca })
    await store.close()
    await expect(open(url('sslmode=verify-ca', '127.0.0.1'), { ca: tls.wrongCa })).rejects.toMatchObject({
      message: expect.stringMatching(/TLS to PostgreSQL failed/),
    })
  })

  it('require encrypts without a CA to check against', async () => {
    const store = await open(url('sslmode=require'))
    try {
      const [row] = (await store.pool.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows
      expect(row).toEqual({ ssl: true })
    } finally {
      await store.close()
    }
  })

  it('sslmode=disable is refused clearly by a server that takes TLS only', async () => {
    await expect(open(url('sslmode=disable'))).rejects.toMatchObject({
      kind: 'store-unavailable',
      message: expect.stringMatching(/no pg_hba\.conf entry .*no encryption/),
    })
  })

  it('lets plaintext in once pg_hba.conf says tls-or-plain, and refuses it again under tls-only', async () => {
    // The superuser's own SQL goes over the Unix socket, whatever TCP may do.
    expect(await tls.cluster.sql('SHOW ssl')).toEqual([{ ssl: 'on' }])
    await tls.setHba('tls-or-plain')
    try {
      const store = await open(url('sslmode=disable'))
      try {
        const [row] = (await store.pool.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows
        expect(row).toEqual({ ssl: false })
      } finally {
        await store.close()
      }
    } finally {
      await tls.setHba('tls-only')
    }
    await expect(open(url('sslmode=disable'))).rejects.toMatchObject({ kind: 'store-unavailable' })
  })
})
