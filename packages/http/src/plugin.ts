import type { ExecutionContext } from '@eventcore/core'
import { isEventCoreError, uuidv7 } from '@eventcore/core'
import type { EventcoreMetrics } from '@eventcore/metrics'
import type { Context } from '@opentelemetry/api'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { type AuthOptions, registerAuthentication, registerAuthorization } from './auth.js'
import { CORRELATION_HEADER, correlationIdOf, MAX_CORRELATION_ID } from './correlation.js'
import { type HealthOptions, registerHealth, type ServiceLifecycle } from './health.js'
import { type IdempotencyOptions, registerIdempotency } from './idempotency.js'
import { MAX_JSON_DEPTH, registerJsonBody } from './json-body.js'
import { type CorsOptions, type RateLimitOptions, registerCors, registerRateLimit } from './limits.js'
import { registerMetrics } from './metrics-http.js'
import { HttpProblem, problemFor } from './problem.js'
import { echoed, sendProblem } from './problem-reply.js'
import { noteRefusal, registerRequestLog } from './request-log.js'
import { requestSignal } from './request-signal.js'
import { registerRequestTracing, traceLogFields } from './request-trace.js'
import { registerHttpsEnforcement, registerSecurityHeaders, type SecurityOptions } from './security.js'
import { registerUnstorableTextChecks } from './unstorable-text.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's correlation id: the caller's `X-Correlation-Id`, or a new one. */
    correlationId: string
    /** The request's time budget from its arrival (the plugin's `requestBudgetMs`); 0 for none. */
    requestBudgetMs: number
    /**
     * The OpenTelemetry context of the request's SERVER span: pass it on to what runs for the
     * request (`executionOptions` gives it to the executor; `tracedStore(store, request.traceContext)`
     * of @eventcore/core traces a route's own reads). The root context when tracing is off.
     */
    readonly traceContext: Context
  }
  interface FastifyInstance {
    /** The service's lifecycle: drain before shutting down. */
    eventcore: ServiceLifecycle
  }
}

/** Options of {@link eventcoreHttp}. */
export interface EventcoreHttpOptions {
  /** Bearer tokens and roles; without it no route asks for a token (development only). */
  readonly auth?: AuthOptions
  readonly security?: SecurityOptions
  readonly health?: HealthOptions
  /** Per-client request limits. @default { max: 100, windowMs: 60000 } */
  readonly rateLimit?: RateLimitOptions
  /** Browser origins allowed. @default { origins: [] } */
  readonly cors?: CorsOptions
  /**
   * `Idempotency-Key` on routes with `config: { eventcore: { idempotent: true } }`; without it the
   * header is ignored and those routes run as usual.
   */
  readonly idempotency?: IdempotencyOptions
  /** Metrics from `createMetrics` of `@eventcore/metrics`: request metrics and the scrape route are added. @default none */
  readonly metrics?: EventcoreMetrics
  /**
   * JSON bodies nesting objects and arrays deeper than this are refused with 400 before they are
   * parsed. The plugin installs its own `application/json` parser, which also refuses NUL and
   * ill-formed Unicode in any string or key, and `__proto__` / `constructor.prototype` keys.
   * @default 64
   */
  readonly maxJsonDepth?: number
  /** Where Prometheus scrapes, or `false` when served on a port of its own with `serveMetrics`. @default '/metrics' */
  readonly metricsPath?: string | false
  /**
   * Each request's time budget from its arrival, in milliseconds, which {@link executionOptions}
   * hands to the command it runs (usually the server's request timeout); 0 for none.
   * @default 0
   */
  readonly requestBudgetMs?: number
}

const plugin: FastifyPluginAsync<EventcoreHttpOptions> = async (app, options) => {
  app.decorateRequest('correlationId', '')
  app.decorateRequest('requestBudgetMs', options.requestBudgetMs ?? 0)
  let draining = false
  const lifecycle: ServiceLifecycle = {
    get draining() {
      return draining
    },
    startDraining() {
      draining = true
    },
  }
  app.decorate('eventcore', lifecycle)
  // Before the probes are registered, so their series exist from the first scrape.
  if (options.metrics) registerMetrics(app, options.metrics, { path: options.metricsPath ?? '/metrics' })

  // onRequest hooks run in this order: headers on every answer, the correlation id, the transport,
  // CORS (which answers preflights, sent without a token), then the caller's token, its limit, and
  // last the 401 or 403. Before them all, the request's span, so every log line can name its trace.
  registerRequestTracing(app)
  registerRequestLog(app)
  await registerSecurityHeaders(app, options.security ?? {})
  app.addHook('onRequest', async (request, reply) => {
    const id = correlationIdOf(request.headers[CORRELATION_HEADER])
    request.correlationId = id ?? uuidv7()
    // Every log line of the request carries it, not only the ones that name it.
    request.log = request.log.child({ correlationId: request.correlationId, ...traceLogFields(request.traceContext) })
    reply.log = request.log
    reply.header(CORRELATION_HEADER, request.correlationId)
    // At debug only: at info a request is one line, written when it is answered (request-log.ts).
    request.log.debug({ method: request.method, route: request.routeOptions.url }, 'request received')
    if (id === undefined) {
      throw new HttpProblem(
        400,
        'invalid-correlation-id',
        'Bad Request',
        `${CORRELATION_HEADER} must be a single value of at most ${MAX_CORRELATION_ID} characters`,
      )
    }
  })

  // While draining, no connection is kept alive past its response, so closing never waits on
  // idle keep-alive clients (nor do they keep sending to a replica that is going away).
  app.addHook('onSend', async (_request, reply, payload) => {
    if (draining) reply.header('connection', 'close')
    return payload
  })

  app.setErrorHandler(async (error, request, reply) => {
    const problem = problemFor(error)
    // A problem's detail is not logged: it may repeat what the client sent (a field, an address,
    // a URL), and the client has it; its type, status and code say what happened.
    // Logged once, with the request's line when its answer is finished (registerRequestLog).
    // Outages the service already knows about (an open circuit, too many commands at once) are
    // expected while they last: a warning each, not an error with a stack trace per request.
    const unexpected = problem.status >= 500 && !isExpectedRefusal(error)
    noteRefusal(request, {
      problem: problem.type,
      status: problem.status,
      ...(typeof problem.code === 'string' ? { code: problem.code } : {}),
      ...(unexpected ? { error } : {}),
      ...(problem.status >= 500 && !unexpected ? { recovering: true } : {}),
    })
    if (typeof problem.retryAfterSeconds === 'number') reply.header('retry-after', String(problem.retryAfterSeconds))
    return sendProblem(request, reply, problem)
  })

  registerJsonBody(app, { maxDepth: options.maxJsonDepth ?? MAX_JSON_DEPTH })
  registerUnstorableTextChecks(app)
  registerHttpsEnforcement(app, options.security ?? {})
  await registerCors(app, options.cors ?? {})
  // The caller is known before it is counted (its subject's budget, or its address when it has no
  // valid token), and counted before a refused token is answered 401, so guessing tokens is limited.
  if (options.auth) await registerAuthentication(app, options.auth)
  await registerRateLimit(app, options.rateLimit ?? {})
  if (options.auth) registerAuthorization(app)
  registerHealth(app, options.health ?? {}, lifecycle)
  if (options.idempotency) registerIdempotency(app, options.idempotency)

  app.setNotFoundHandler(async (request, reply) => {
    const detail = `no route for ${request.method} ${echoed(request.url)}`
    return sendProblem(request, reply, problemFor(new HttpProblem(404, 'not-found', 'Not Found', detail)))
  })
}

/**
 * The EventCore Fastify plugin: every error becomes `application/problem+json` (EventCore errors by
 * kind, Fastify's own 4xx by status, anything else a 500 that reveals nothing); every request gets
 * a correlation id (`X-Correlation-Id` in and out); security headers (and HTTPS enforcement with
 * HSTS when asked); `GET /health` and `GET /ready` (503 while draining or when a readiness check
 * fails). Registered with `fastify-plugin`, so it applies to the whole app.
 *
 * @example
 * const app = Fastify()
 * await app.register(eventcoreHttp)
 * app.post('/accounts', async (request) => {
 *   const result = await executor.execute(open, request.body, { context: executionContext(request) })
 *   if (!result.ok) throw result.error // → problem+json, status by kind
 *   return result.versions
 * })
 */
export const eventcoreHttp = fp(plugin, { name: '@eventcore/http', fastify: '5.x' })

/**
 * The execution context of a request, for `executor.execute(…, { context })`: its correlation id,
 * the request id as the causation id, and the authenticated caller as the actor.
 */
export function executionContext(request: FastifyRequest): ExecutionContext {
  const actor = request.principal?.id
  return actor === undefined
    ? { correlationId: request.correlationId, causationId: request.id }
    : { correlationId: request.correlationId, causationId: request.id, actor }
}

/**
 * What `executor.execute(…, options)` needs from a request: its {@link executionContext}, a
 * signal that stops the command when the client goes away or the request's budget
 * (`requestBudgetMs`) is spent, so a command never outlives the request that asked for it, and the
 * request's trace context (`request.traceContext`), so the command's span is a child of the
 * request's.
 *
 * @example
 * app.post('/accounts', async (request, reply) => {
 *   const result = await executor.execute(open, request.body, executionOptions(request, reply))
 *   if (!result.ok) throw result.error
 *   return reply.code(201).send(result.versions)
 * })
 */
export function executionOptions(
  request: FastifyRequest,
  reply: FastifyReply,
): { context: ExecutionContext; signal: AbortSignal; trace: Context } {
  return {
    context: executionContext(request),
    signal: requestSignal(request, reply, { budgetMs: request.requestBudgetMs }),
    trace: request.traceContext,
  }
}

/** A refusal made on purpose to protect the store: an open circuit breaker or an executor at capacity. */
function isExpectedRefusal(error: unknown): boolean {
  return (
    isEventCoreError(error) &&
    error.kind === 'store-unavailable' &&
    (error.code === 'ERR_EVENTCORE_CIRCUIT_OPEN' || error.code === 'ERR_EVENTCORE_OVERLOADED')
  )
}
