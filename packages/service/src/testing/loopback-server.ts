// Test support (`@eventcore/service/testing`): small HTTP servers a test stands in front of, or
// beside, a service: on a free loopback port, closed with every connection they hold.
import { createServer, request, type Server } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'

/** A server a test started; `close()` ends its open connections too, so it never waits on a client, and may be called again. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  close(): Promise<void>
}

/**
 * Starts `server` (HTTP or HTTPS; the URL says `http:` either way) on a free loopback port.
 *
 * @example
 * const sink = await listenOnLoopback(createServer((_, response) => response.end('ok')))
 * await sink.close()
 */
export async function listenOnLoopback(server: Server | HttpsServer): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections()
        // Closing twice (a test's own close, then its afterAll) is fine.
        const notRunning = (error: Error) => 'code' in error && error.code === 'ERR_SERVER_NOT_RUNNING'
        server.close((error) => (error && !notRunning(error) ? reject(error) : resolve()))
      }),
  }
}

/**
 * A reverse proxy to `target` that sets `Authorization: Bearer <token>` on every request, replacing
 * whatever the client sent (none, a tampered or an expired token): a service whose authentication
 * is, in effect, off, as a misconfigured gateway makes it. Everything else answers as the service does.
 *
 * @example
 * const open = await authInjectingProxy(service.url, adminToken)
 * // a smoke test against open.url must fail its 401 checks
 */
export function authInjectingProxy(target: string, token: string): Promise<TestServer> {
  const upstream = new URL(target)
  const server = createServer((incoming, outgoing) => {
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host, authorization: `Bearer ${token}` },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(outgoing)
      },
    )
    forwarded.on('error', (error) => outgoing.writeHead(502, { 'content-type': 'text/plain' }).end(String(error)))
    incoming.pipe(forwarded)
  })
  return listenOnLoopback(server)
}
