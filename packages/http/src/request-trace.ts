import {
  type Attributes,
  type Context,
  isSpanContextValid,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { PROBE_PATHS } from './security.js'

/** The methods HTTP semantic conventions name; any other is `_OTHER`, so a client cannot invent values. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'])

let taken: { readonly provider: TracerProvider; readonly tracer: Tracer | undefined } | undefined

/**
 * The plugin's tracer from the SDK the service installed, or undefined when none is: then a
 * request costs one check, not a no-op span. Taken again when the provider behind the API's
 * global changes (one shut down and another installed). The same rule as @eventcore/core's.
 */
function tracer(): Tracer | undefined {
  const global = trace.getTracerProvider()
  const provider = global instanceof ProxyTracerProvider ? global.getDelegate() : global
  if (taken?.provider !== provider) {
    const tracer =
      global instanceof ProxyTracerProvider
        ? global.getDelegateTracer('@eventcore/http')
        : global.getTracer('@eventcore/http')
    taken = { provider, tracer }
  }
  return taken.tracer
}

/**
 * A SERVER span per request (`METHOD /route/:pattern`), a child of the caller's W3C `traceparent`
 * (read with the global propagator), ended when the answer is sent (an error from 500 on) or the
 * client gives up; its `traceparent` goes back in the response headers. Only the method, route
 * pattern, scheme and status are recorded: never the path (it holds ids), the query, headers or
 * bodies. Probes and the scrape (`PROBE_PATHS`) get none: they would bury the traces that matter.
 * Registered before any other onRequest hook, so every log line of the request can name the trace.
 */
export function registerRequestTracing(app: FastifyInstance): void {
  // Async context does not flow from a hook into the handler, so the context travels on the request.
  const contexts = new WeakMap<FastifyRequest, Context>()
  const spans = new WeakMap<FastifyRequest, Span>()
  app.decorateRequest('traceContext', {
    getter(this: FastifyRequest) {
      return contexts.get(this) ?? ROOT_CONTEXT
    },
  })

  app.addHook('onRequest', async (request, reply) => {
    const requestTracer = tracer()
    if (!requestTracer) return
    const route = request.routeOptions.url
    if (route !== undefined && PROBE_PATHS.has(route)) return
    const parent = propagation.extract(ROOT_CONTEXT, request.headers)
    const method = KNOWN_METHODS.has(request.method) ? request.method : '_OTHER'
    const attributes: Attributes = { 'http.request.method': method, 'url.scheme': request.protocol }
    if (route !== undefined) attributes['http.route'] = route
    const span = requestTracer.startSpan(
      route === undefined ? method : `${method} ${route}`,
      { kind: SpanKind.SERVER, attributes },
      parent,
    )
    const context = trace.setSpan(parent, span)
    contexts.set(request, context)
    spans.set(request, span)
    const headers: Record<string, string> = {}
    propagation.inject(context, headers)
    for (const [name, value] of Object.entries(headers)) reply.header(name, value)
  })

  const end = (request: FastifyRequest, status: number | undefined) => {
    const span = spans.get(request)
    if (!span) return
    spans.delete(request) // ended once, whether by the answer or by the client leaving
    if (status === undefined) {
      span.setAttribute('error.type', 'aborted')
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection' })
    } else {
      span.setAttribute('http.response.status_code', status)
      if (status >= 500) {
        span.setAttribute('error.type', String(status))
        span.setStatus({ code: SpanStatusCode.ERROR })
      }
    }
    span.end()
  }
  app.addHook('onResponse', async (request, reply) => end(request, reply.statusCode))
  app.addHook('onRequestAbort', async (request) => end(request, undefined))
}

/**
 * The fields that tie a log line to its trace, by the OpenTelemetry log data model's names
 * (`trace_id`, `span_id`); none when the request is not traced.
 */
export function traceLogFields(context: Context): { trace_id?: string; span_id?: string } {
  const ids = trace.getSpanContext(context)
  return ids && isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : {}
}
