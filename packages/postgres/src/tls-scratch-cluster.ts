// Test support (exported only through `@eventcore/postgres/testing`): a scratch cluster that speaks
// TLS for real, with a certificate for localhost signed by a throwaway CA, and a second CA that
// signed nothing of it, for tests of verify-full, of a wrong CA, and of plaintext refused or let in.
import { execFileSync } from 'node:child_process'
import { chown, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { makeCertificates } from './scratch-certificates.js'
import { createScratchCluster, type ScratchCluster } from './scratch-cluster.js'

/**
 * Which TCP connections the cluster's pg_hba.conf lets in (Unix-socket ones always, on trust):
 * `tls-only` only TLS ones (`hostssl`), so `sslmode=disable` is refused; `tls-or-plain` TLS and
 * plaintext ones alike (`host`), so a client's own `sslmode` decides.
 */
export type ScratchHba = 'tls-only' | 'tls-or-plain'

/** A scratch cluster with `ssl = on`; see {@link createTlsScratchCluster}. */
export interface TlsScratchCluster {
  /** The cluster itself; its `sql` goes over the Unix socket, so it works whatever `hba` says. */
  readonly cluster: ScratchCluster
  /** PEM of the CA that signed the server's certificate (for `localhost`). */
  readonly ca: string
  /** PEM of another CA, which signed nothing the server has: verify-full with it must fail. */
  readonly wrongCa: string
  /**
   * A `postgres://` URL for the superuser on `host` (default `localhost`, the name the certificate
   * carries), with `query` (e.g. `sslmode=verify-full`) when given.
   */
  url(query?: string, host?: string): string
  /** Rewrites pg_hba.conf to `hba` and reloads; resolves once new connections follow it. */
  setHba(hba: ScratchHba): Promise<void>
  /** Drops the cluster (its `drop()`). */
  drop(): Promise<void>
}

/**
 * Creates a scratch cluster ({@link createScratchCluster}) with `ssl = on`, a server certificate
 * for `localhost` signed by a CA made for it ({@link makeCertificates}), and pg_hba.conf set to
 * `hba` (default `tls-only`); resolves once it accepts TLS connections. Needs what a scratch
 * cluster needs, and `openssl`.
 *
 * @example
 * const tls = await createTlsScratchCluster()
 * try {
 *   const store = await openPostgresStore({ connectionString: tls.url('sslmode=verify-full'), ssl: { ca: tls.ca } })
 *   await store.close()
 * } finally {
 *   await tls.drop()
 * }
 */
export async function createTlsScratchCluster({
  hba = 'tls-only',
}: {
  hba?: ScratchHba
} = {}): Promise<TlsScratchCluster> {
  const [created, made, other] = await Promise.allSettled([
    createScratchCluster(),
    makeCertificates({ hosts: ['localhost'] }),
    makeCertificates({ hosts: ['localhost'] }),
  ])
  if (created.status === 'rejected') throw created.reason
  const cluster = created.value
  if (made.status === 'rejected' || other.status === 'rejected') {
    await cluster.drop()
    throw made.status === 'rejected' ? made.reason : (other as PromiseRejectedResult).reason
  }
  const certs = made.value
  const wrongCa = other.value.ca
  const url: TlsScratchCluster['url'] = (query = '', host = 'localhost') =>
    cluster.url().replace('127.0.0.1', host) + (query ? `?${query}` : '')
  const writeHba = (mode: ScratchHba) =>
    writeFile(
      join(cluster.configDir, 'pg_hba.conf'),
      [
        'local all all trust',
        ...['127.0.0.1/32', '::1/128'].map(
          (address) => `${mode === 'tls-only' ? 'hostssl' : 'host'} all all ${address} trust`,
        ),
        '',
      ].join('\n'),
    )
  try {
    const crt = join(cluster.configDir, 'server.crt')
    const key = join(cluster.configDir, 'server.key')
    await writeFile(crt, certs.serverCert)
    await writeFile(key, certs.serverKey, { mode: 0o600 })
    // The server reads its key only when the postgres user owns it (and no one else may read it).
    const owner = postgresUser()
    await chown(crt, owner.uid, owner.gid)
    await chown(key, owner.uid, owner.gid)
    await cluster.sql(`ALTER SYSTEM SET ssl_cert_file = '${crt}'`)
    await cluster.sql(`ALTER SYSTEM SET ssl_key_file = '${key}'`)
    await cluster.sql('ALTER SYSTEM SET ssl = on')
    await writeHba(hba)
    await cluster.reload()
    await until(() => connects(url(''), { rejectUnauthorized: false }), 'the scratch cluster did not turn TLS on')
    if (hba === 'tls-only') await until(async () => !(await connects(url(''), false)), 'plaintext still accepted')
  } catch (error) {
    await cluster.drop()
    throw error
  }
  return {
    cluster,
    ca: certs.ca,
    wrongCa,
    url,
    setHba: async (mode) => {
      await writeHba(mode)
      await cluster.reload()
      // Reloading is asynchronous: wait until a plaintext connection is let in, or refused, as `mode` says.
      const plainWanted = mode === 'tls-or-plain'
      await until(async () => (await connects(url(''), false)) === plainWanted, `pg_hba.conf did not become ${mode}`)
    },
    drop: () => cluster.drop(),
  }
}

// Whether a connection with these TLS settings (`false`: plaintext) is let in.
async function connects(connectionString: string, ssl: pg.ClientConfig['ssl']): Promise<boolean> {
  const client = new pg.Client({ connectionString, ssl, connectionTimeoutMillis: 2000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.end()
    return true
  } catch {
    return false
  }
}

async function until(condition: () => Promise<boolean>, failure: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(failure)
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  return { uid: id('-u'), gid: id('-g') }
}
