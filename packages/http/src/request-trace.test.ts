import { Writable } from 'node:stream'
import { createExecutor, defineCommand, event } from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { eventcoreHttp, executionOptions } from './plugin.js'

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const CALLER_SPAN = '00f067aa0ba902b7'
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`
const EMAIL = 'grace.hopper@example.org'

const register = defineCommand({
  name: 'register',
  streams: (input: { readonly email: string }) => ({ claim: `email-${input.email}` }),
  initialState: () => ({}),
  apply: (state) => state,
  decide: (_state, { email }) => ({ claim: [event('EmailClaimed', { email })] }),
})

/** An app with the plugin, a route running a command, a failing route, and its log lines. */
async function tracedApp(): Promise<{ app: FastifyInstance; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  const app = Fastify({
    logger: { level: 'info', stream },
    logController: new LogController({ disableRequestLogging: true }),
  })
  await app.register(eventcoreHttp)
  const executor = createExecutor({ store: createMemoryStore() })
  app.post('/users/:id', async (request, reply) => {
    request.log.info('registering')
    const result = await executor.execute(register, request.body as { email: string }, executionOptions(request, reply))
    if (!result.ok) throw result.error
    return reply.code(201).send({ metadata: result.events[0]?.metadata })
  })
  app.get('/broken', async () => {
    throw new Error('a bug')
  })
  return { app, lines }
}

describe('request spans without a tracer provider', () => {
  it('send no traceparent and put no trace ids in logs or events', async () => {
    const { app, lines } = await tracedApp()
    const response = await app.inject({
      method: 'POST',
      url: '/users/7',
      headers: { traceparent: TRACEPARENT },
      payload: { email: EMAIL },
    })
    await app.close()
    expect(response.statusCode).toBe(201)
    expect(response.headers.traceparent).toBeUndefined()
    expect(response.json().metadata).not.toHaveProperty('traceId')
    for (const line of lines) expect(line).not.toHaveProperty('trace_id')
  })
})

describe('request spans with a tracer provider', () => {
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
  beforeAll(() => {
    trace.setGlobalTracerProvider(provider)
    propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  })
  afterEach(() => exporter.reset())
  afterAll(async () => {
    await provider.shutdown()
    trace.disable()
    propagation.disable()
  })

  it('continue the caller’s trace: server span → command → attempt → store, traceparent back, trace ids in logs and events', async () => {
    const { app, lines } = await tracedApp()
    const response = await app.inject({
      method: 'POST',
      url: '/users/7?source=signup',
      headers: { traceparent: TRACEPARENT },
      payload: { email: EMAIL },
    })
    await app.close()
    expect(response.statusCode).toBe(201)

    const spans = exporter.getFinishedSpans()
    const server = spans.find((span) => span.kind === SpanKind.SERVER) as ReadableSpan
    expect(server.name).toBe('POST /users/:id')
    expect(server.spanContext().traceId).toBe(TRACE_ID)
    expect(server.parentSpanContext?.spanId).toBe(CALLER_SPAN)
    expect(server.attributes).toEqual({
      'http.request.method': 'POST',
      'http.route': '/users/:id',
      'url.scheme': 'http',
      'http.response.status_code': 201,
    })
    const parentOf = (name: string) => spans.find((span) => span.name === name)?.parentSpanContext?.spanId
    const idOf = (name: string) => spans.find((span) => span.name === name)?.spanContext().spanId
    expect(parentOf('command register')).toBe(server.spanContext().spanId)
    expect(parentOf('command register attempt')).toBe(idOf('command register'))
    expect(parentOf('eventcore.store.readStreams')).toBe(idOf('command register attempt'))
    expect(parentOf('eventcore.store.append')).toBe(idOf('command register attempt'))
    for (const span of spans) expect(span.spanContext().traceId).toBe(TRACE_ID)

    // The answer names the server span, in the same trace.
    expect(response.headers.traceparent).toBe(`00-${TRACE_ID}-${server.spanContext().spanId}-01`)
    expect(response.json().metadata).toMatchObject({ traceId: TRACE_ID, spanId: idOf('command register') })

    const ofRequest = lines.filter((line) => line.msg === 'registering' || line.msg === 'request completed')
    expect(ofRequest.map((line) => line.msg)).toEqual(['registering', 'request completed'])
    for (const line of ofRequest)
      expect(line).toMatchObject({ trace_id: TRACE_ID, span_id: server.spanContext().spanId })

    // No path with its id, no query, no header, no body, no e-mail anywhere.
    const said = JSON.stringify(spans.map((span) => [span.name, span.attributes, span.status]))
    for (const secret of [EMAIL, '/users/7', 'signup', TRACEPARENT]) expect(said).not.toContain(secret)
  })

  it('start a trace of their own without a traceparent, fail on a 5xx, and leave probes alone', async () => {
    const { app } = await tracedApp()
    const broken = await app.inject({ url: '/broken' })
    const health = await app.inject({ url: '/health' })
    const missing = await app.inject({ url: '/nowhere/42' })
    await app.close()
    expect(broken.statusCode).toBe(500)
    expect(health.statusCode).toBe(200)
    expect(health.headers.traceparent).toBeUndefined()
    const spans = exporter.getFinishedSpans()
    expect(spans.map((span) => span.name).sort()).toEqual(['GET', 'GET /broken'])
    const failed = spans.find((span) => span.name === 'GET /broken') as ReadableSpan
    expect(failed.parentSpanContext).toBeUndefined()
    expect(failed.status.code).toBe(SpanStatusCode.ERROR)
    expect(failed.attributes).toMatchObject({ 'http.response.status_code': 500, 'error.type': '500' })
    expect(broken.headers.traceparent).toBe(`00-${failed.spanContext().traceId}-${failed.spanContext().spanId}-01`)
    const notFound = spans.find((span) => span.name === 'GET') as ReadableSpan
    expect(notFound.attributes).not.toHaveProperty('http.route')
    expect(notFound.attributes['http.response.status_code']).toBe(404)
    expect(missing.statusCode).toBe(404)
  })
})
