import { execFileSync } from 'node:child_process'
import { chown, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresStore } from './postgres-store.js'
import { canCreateScratchCluster, createScratchCluster, type ScratchCluster } from './scratch-cluster.js'
import { makeCertificates, type TestCertificates } from './test-certificates.js'
import { databaseUrl, uniqueSchema } from './test-database.js'

// TLS for real: a scratch cluster of this file's own with `ssl = on`, a certificate for localhost
// signed by a throwaway CA, and a pg_hba.conf that takes TCP connections over TLS only.
describe.runIf(databaseUrl && canCreateScratchCluster())('TLS to PostgreSQL', () => {
  let cluster: ScratchCluster
  let certs: TestCertificates
  let wrongCa: string

  beforeAll(async () => {
    cluster = await createScratchCluster()
    ;[certs, { ca: wrongCa }] = await Promise.all([
      makeCertificates({ hosts: ['localhost'] }),
      makeCertificates({ hosts: ['localhost'] }),
    ])
    const crt = join(cluster.configDir, 'server.crt')
    const key = join(cluster.configDir, 'server.key')
    await writeFile(crt, certs.serverCert)
    await writeFile(key, certs.serverKey, { mode: 0o600 })
    const postgres = pgUser()
    await chown(crt, postgres.uid, postgres.gid)
    await chown(key, postgres.uid, postgres.gid)
    await cluster.sql(`ALTER SYSTEM SET ssl_cert_file = '${crt}'`)
    await cluster.sql(`ALTER SYSTEM SET ssl_key_file = '${key}'`)
    await cluster.sql(`ALTER SYSTEM SET ssl = on`)
    await writeFile(
      join(cluster.configDir, 'pg_hba.conf'),
      'local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n',
    )
    await cluster.reload()
    await untilTlsIsOn()
  }, 60_000)
  afterAll(async () => {
    await cluster?.drop()
  })

  const url = (query: string, host = 'localhost') =>
    cluster.url().replace('127.0.0.1', host) + (query ? `?${query}` : '')
  const open = (connectionString: string, ssl?: { ca?: string }) =>
    openPostgresStore({ connectionString, ssl, schema: uniqueSchema(), connectTimeoutMs: 3000, poolSize: 2 })

  it('verify-full with the right CA connects over TLS, as pg_stat_ssl shows', async () => {
    const store = await open(url('sslmode=verify-full'), { ca: certs.ca })
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
    await expect(open(url('sslmode=verify-full'), { ca: wrongCa })).rejects.toMatchObject({
      kind: 'store-unavailable',
      transient: false,
      message: expect.stringMatching(/TLS to PostgreSQL failed .*(self-signed certificate|unable to verify)/),
    })
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('verify-full checks the host name; verify-ca checks only the CA', async () => {
    // The certificate names localhost, not 127.0.0.1.
    await expect(open(url('sslmode=verify-full', '127.0.0.1'), { ca: certs.ca })).rejects.toMatchObject({
      message: expect.stringMatching(/TLS to PostgreSQL failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/),
    })
    const store = await open(url('sslmode=verify-ca', '127.0.0.1'), { ca: certs.ca })
    await store.close()
    await expect(open(url('sslmode=verify-ca', '127.0.0.1'), { ca: wrongCa })).rejects.toMatchObject({
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

  // Reloading is asynchronous: wait until a new connection is offered TLS.
  async function untilTlsIsOn(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const client = new pg.Client({ connectionString: url(''), ssl: { rejectUnauthorized: false } })
      client.on('error', () => {})
      try {
        await client.connect()
        await client.end()
        return
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    throw new Error('the scratch cluster did not turn TLS on')
  }
})

// The server reads its key only when the postgres user owns it (and no one else may read it).
function pgUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  return { uid: id('-u'), gid: id('-g') }
}
