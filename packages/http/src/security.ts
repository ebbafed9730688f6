import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import helmet, { type HelmetOptions } from 'helmet'
import { HttpProblem } from './problem.js'

/** Transport security options of {@link eventcoreHttp}. */
export interface SecurityOptions {
  /**
   * Refuse plain HTTP: GET and HEAD are redirected (308) to https, anything else gets 403. Behind a
   * proxy, create Fastify with `trustProxy` so `X-Forwarded-Proto` counts. Health probes are exempt.
   * @default false
   */
  readonly enforceHttps?: boolean
  /** `Strict-Transport-Security` max-age in seconds, sent when HTTPS is enforced. @default 31536000 */
  readonly hstsMaxAgeSeconds?: number
}

/**
 * Paths that stay reachable over plain HTTP and are never rate limited: in-cluster probes and the
 * Prometheus scrape.
 */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics'])

/**
 * The headers helmet sets for `options`, worked out once: none of them depends on the request (no
 * CSP nonces), and building helmet's middleware per request, as `@fastify/helmet` does, was a
 * measurable share of a request's CPU time.
 */
function helmetHeaders(options: HelmetOptions): ReadonlyArray<readonly [string, string]> {
  const headers: Array<readonly [string, string]> = []
  const response = {
    setHeader(name: string, value: number | string | readonly string[]) {
      headers.push([name, String(value)])
      return response
    },
    // X-Powered-By, which Fastify never sends.
    removeHeader() {},
  }
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error
  })
  return headers
}

/**
 * Security headers for a JSON API: a CSP that allows nothing, no framing, nosniff, no referrer, and
 * HSTS when HTTPS is enforced (helmet's, with its other defaults). Registered first, so that every
 * answer carries them, refusals too.
 */
export async function registerSecurityHeaders(app: FastifyInstance, options: SecurityOptions): Promise<void> {
  const { enforceHttps = false, hstsMaxAgeSeconds = 31_536_000 } = options
  const headers = helmetHeaders({
    // Without useDefaults, helmet would add its page-oriented defaults (script-src 'self', …) to ours.
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: enforceHttps ? { maxAge: hstsMaxAgeSeconds, includeSubDomains: true } : false,
  })
  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of headers) reply.raw.setHeader(name, value)
    done()
  })
}

/**
 * When asked, refuses plain HTTP before anything else looks at the request (a token sent over
 * plain HTTP is refused for the transport, not checked): GET and HEAD are redirected, the rest 403.
 */
export function registerHttpsEnforcement(app: FastifyInstance, options: SecurityOptions): void {
  if (!options.enforceHttps) return
  app.addHook('onRequest', async (request, reply) => {
    if (request.protocol === 'https' || PROBE_PATHS.has(request.url.split('?')[0] ?? '')) return
    if (request.method === 'GET' || request.method === 'HEAD') {
      return reply.redirect(`https://${request.host}${request.url}`, 308)
    }
    throw new HttpProblem(403, 'https-required', 'Forbidden', 'this service only accepts HTTPS requests')
  })
}
