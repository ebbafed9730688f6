// Test support (not built): small real servers to put in front of, or in place of, the users
// service, so the validators can be shown a service broken in one way at a time.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listenOnLoopback, type TestServer } from '@eventcore/service/testing'

/** A server whose `/metrics` serves `exposition` (and 200 on `/health`), nothing else. */
export function metricsServer(exposition: string): Promise<TestServer> {
  const server = createServer((incoming, outgoing) => {
    if (incoming.url === '/metrics') {
      outgoing.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(exposition)
    } else outgoing.writeHead(incoming.url === '/health' ? 200 : 404).end()
  })
  return listenOnLoopback(server)
}

/** A scratch directory, and its removal. */
export function scratchDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** Writes `secret` to a file of `dir`, as a mounted secret is: for `--jwt-secret-file`. */
export function secretFile(dir: string, secret: string): string {
  const path = join(dir, 'jwt-secret')
  writeFileSync(path, `${secret}\n`, { mode: 0o600 })
  return path
}

/** An exposition missing most of what a service must export. */
export const PARTIAL_EXPOSITION = `# HELP eventcore_commands_total Commands run.
# TYPE eventcore_commands_total counter
eventcore_commands_total{command="register",outcome="ok"} 3
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 52428800
`

/** A self-signed certificate for 127.0.0.1 (openssl), valid `days` days: its PEM files in `dir`. */
export function selfSignedCertificate(dir: string, days: number): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', String(days)].concat([
      '-subj',
      '/CN=eventcore-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]),
    { stdio: 'ignore' },
  )
  return { cert, key }
}

/** An HTTPS reverse proxy to `target` with the certificate `tls`: the service behind TLS termination. */
export async function httpsProxy(target: string, tls: { cert: string; key: string }): Promise<TestServer> {
  const upstream = new URL(target)
  const server = createHttpsServer(
    { cert: readFileSync(tls.cert), key: readFileSync(tls.key) },
    (incoming, outgoing) => {
      const forwarded = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(outgoing)
        },
      )
      forwarded.on('error', () => outgoing.writeHead(502).end())
      incoming.pipe(forwarded)
    },
  )
  const listening = await listenOnLoopback(server)
  return { ...listening, url: listening.url.replace('http:', 'https:') }
}
