import type { FastifyInstance, FastifyRequest } from 'fastify'

/**
 * Routes that probes and tools call over and over (load balancers, Prometheus, the API UI): their
 * lines are at `debug`, so the console at `info` shows what clients do, not what probes do.
 */
const QUIET_ROUTES = new Set(['/health', '/ready', '/metrics', '/openapi.json'])
const isQuiet = (route: string | undefined) =>
  route !== undefined && (QUIET_ROUTES.has(route) || route === '/docs' || route.startsWith('/docs/'))

/** How an error answer is logged: the problem's type, status and code (never its detail), and for an unexpected 5xx the error. */
export interface Refusal {
  readonly problem: string
  readonly status: number
  readonly code?: string
  /** The error behind a 5xx the service did not expect: logged at `error` with its stack. */
  readonly error?: unknown
  /** A 5xx the service expects while an outage lasts (an open circuit, too many commands): `warn`. */
  readonly recovering?: boolean
}

// Set by the error handler, read when the response is finished: one line per request.
const refusals = new WeakMap<FastifyRequest, Refusal>()

/** Notes why `request` is answered with an error, for its one log line. */
export function noteRefusal(request: FastifyRequest, refusal: Refusal): void {
  refusals.set(request, refusal)
}

/**
 * One line per request, written when its response is finished: `method`, `route` (the route's
 * pattern such as `/users/:id`, never the URL, whose path and query may carry anything; absent when
 * no route matched), `status`, `durationMs`, and the `correlationId` the request's logger carries.
 * `request completed` at `info` (`debug` for probes), or for an error answer `request refused`
 * (`info`), `request failed` (`error`, with the error) or `request refused while the service
 * recovers` (`warn`), with the problem's type and code. Fastify's own two lines per request must be
 * off (a `logController` with `disableRequestLogging`, which `eventcoreServerOptions` sets).
 */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url
    const fields = {
      method: request.method,
      ...(route === undefined ? {} : { route }),
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
    }
    const refusal = refusals.get(request)
    if (refusal === undefined) {
      if (isQuiet(route)) request.log.debug(fields, 'request completed')
      else request.log.info(fields, 'request completed')
      return
    }
    const { error, recovering, ...problem } = refusal
    const line = { ...fields, ...problem }
    if (error !== undefined) request.log.error({ ...line, err: error }, 'request failed')
    else if (recovering === true) request.log.warn(line, 'request refused while the service recovers')
    else if (isQuiet(route)) request.log.debug(line, 'request refused')
    else request.log.info(line, 'request refused')
  })
}
