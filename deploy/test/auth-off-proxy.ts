// Test support: a service with its authentication switched off, as a misconfigured gateway makes
// it: a reverse proxy in front of the real users service that puts an admin token on every request,
// replacing whatever token the client sent (none, a tampered or an expired one). /health, /ready,
// /metrics and the whole API answer as the service does; only a refusal can no longer happen.
import { createServer, request as forward } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A running proxy. */
export interface AuthOffProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  close(): Promise<void>
}

/** Starts the proxy on a free loopback port, forwarding to `upstream` with `token` on every request. */
export async function startAuthOffProxy(upstream: string, token: string): Promise<AuthOffProxy> {
  const target = new URL(upstream)
  const server = createServer((incoming, outgoing) => {
    const headers = { ...incoming.headers, host: target.host, authorization: `Bearer ${token}` }
    const proxied = forward(
      { hostname: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(outgoing)
      },
    )
    proxied.on('error', (error) => outgoing.writeHead(502, { 'content-type': 'text/plain' }).end(String(error)))
    incoming.pipe(proxied)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
