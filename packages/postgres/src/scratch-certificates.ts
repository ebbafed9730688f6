// Test support (exported only through `@eventcore/postgres/testing`): a throwaway certificate
// authority and a server certificate it signs, made with the openssl command, for TLS tests
// against a scratch cluster.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** PEM texts: a CA, a server certificate it signed for `hosts`, and that certificate's key. */
export interface ScratchCertificates {
  readonly ca: string
  readonly serverCert: string
  readonly serverKey: string
}

/**
 * Makes a CA and a server certificate it signs for the DNS names and IP addresses in `hosts`
 * (subjectAltName; the first is also the common name), RSA 2048, valid for two days. Needs the
 * `openssl` command; nothing is left on disk.
 *
 * @example
 * const { ca, serverCert, serverKey } = await makeCertificates({ hosts: ['localhost', '127.0.0.1'] })
 */
export async function makeCertificates({ hosts }: { hosts: readonly string[] }): Promise<ScratchCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'eventcore-tls-'))
  const file = (name: string) => join(dir, name)
  const altNames = hosts.map((h) => (/^[\d.]+$/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',')
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=EventCore test CA',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.crt'),
    ])
    await run('openssl', [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${hosts[0] ?? 'localhost'}`,
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
    ])
    await writeFile(file('ext.cnf'), `subjectAltName=${altNames}\n`)
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file('ext.cnf'),
      '-out',
      file('server.crt'),
    ])
    const [ca, serverCert, serverKey] = await Promise.all(
      ['ca.crt', 'server.crt', 'server.key'].map((name) => readFile(file(name), 'utf8')),
    )
    return { ca: ca ?? '', serverCert: serverCert ?? '', serverKey: serverKey ?? '' }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
