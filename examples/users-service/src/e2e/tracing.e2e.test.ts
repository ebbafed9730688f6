import { startTracing } from '@eventcore/service'
import { SpanKind } from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UserBody } from '../http/schemas.js'
import { bodyOf, newUser, STORES, startTestService, type TestService } from './harness.js'

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const CALLER_SPAN = 'b7ad6b7169203331'

const spanNamed = (spans: readonly ReadableSpan[], name: string): ReadableSpan => {
  const found = spans.find((span) => span.name === name)
  if (!found) throw new Error(`no span '${name}' among ${spans.map((span) => span.name).join(', ')}`)
  return found
}
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId
const idOf = (span: ReadableSpan) => span.spanContext().spanId

async function eventually<T>(look: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const found = look()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe.each(STORES)('traces of the users service on %s', (store) => {
  const exporter = new InMemorySpanExporter()
  let service: TestService
  beforeAll(async () => {
    const tracing = await startTracing(
      {},
      { serviceName: 'users service', spanProcessors: [new SimpleSpanProcessor({ exporter })] },
    )
    service = await startTestService(store, {}, { tracing })
  })
  afterAll(() => service?.close()) // shuts tracing down too

  it('POST /api/v1/users under a traceparent: server span → command → attempt → append, traceparent back, traceId in the events', async () => {
    const token = await service.token(['admin'])
    const body = newUser('traced', { first_name: 'Katherine', last_name: 'Johnson' })
    exporter.reset()
    const response = await service.call('/api/v1/users', {
      method: 'POST',
      token,
      json: body,
      headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
    })
    expect(response.status).toBe(201)
    const user = await bodyOf(response, UserBody)
    // The server span ends once the answer is sent: it may land a moment after the client has it.
    const server = await eventually(
      () => exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER),
      'the server span',
    )
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === TRACE_ID)

    expect(server.name).toBe('POST /api/v1/users')
    expect(server.spanContext().traceId).toBe(TRACE_ID)
    expect(parentOf(server)).toBe(CALLER_SPAN)
    expect(server.attributes).toEqual({
      'http.request.method': 'POST',
      'http.route': '/api/v1/users',
      'url.scheme': 'http',
      'http.response.status_code': 201,
    })
    const command = spanNamed(spans, 'command register-user')
    expect(parentOf(command)).toBe(idOf(server))
    expect(command.attributes).toEqual({
      'eventcore.command': 'register-user',
      'eventcore.command.outcome': 'ok',
      'eventcore.command.attempts': 1,
      'eventcore.streams.count': 2,
      'eventcore.events.written': 2,
    })
    const attempt = spanNamed(spans, 'command register-user attempt')
    expect(parentOf(attempt)).toBe(idOf(command))
    // Registration assumes new streams: one append, no read.
    expect(attempt.attributes).toMatchObject({
      'eventcore.command.attempt': 1,
      'eventcore.command.assume_new_streams': true,
    })
    const append = spanNamed(spans, 'eventcore.store.append')
    expect(parentOf(append)).toBe(idOf(attempt))
    expect(append.attributes).toEqual({
      'eventcore.streams.count': 2,
      'eventcore.events.count': 2,
      'eventcore.append.outcome': 'appended',
    })

    expect(response.headers.get('traceparent')).toBe(`00-${TRACE_ID}-${idOf(server)}-01`)
    const stored = await service.store.readStream(`user-${user.id}`)
    expect(stored.events[0]?.metadata).toMatchObject({ traceId: TRACE_ID, spanId: idOf(command) })

    const said = JSON.stringify(exporter.getFinishedSpans().map((span) => [span.name, span.attributes]))
    for (const personal of [body.email, 'Katherine', 'Johnson', user.id]) expect(said).not.toContain(personal)
  })

  it('GET /api/v1/users/:id traces its stream read, and the users projection its batches', async () => {
    const token = await service.token(['admin'])
    const created = await service.call('/api/v1/users', { method: 'POST', token, json: newUser('read-back') })
    const { id } = await bodyOf(created, UserBody)
    exporter.reset()
    const response = await service.call(`/api/v1/users/${id}`, { token })
    expect(response.status).toBe(200)
    const server = await eventually(
      () => exporter.getFinishedSpans().find((span) => span.name === 'GET /api/v1/users/:id'),
      'the GET span',
    )
    const read = spanNamed(exporter.getFinishedSpans(), 'eventcore.store.readStream')
    expect(parentOf(read)).toBe(idOf(server))
    expect(read.attributes).toEqual({ 'eventcore.streams.count': 1, 'eventcore.events.count': 1 })

    await service.call('/api/v1/users', { method: 'POST', token, json: newUser('projected') })
    // A batch and its read: the read ends first, so a batch that began before the reset above may
    // have lost its read with it; wait for one that has both.
    const readOf = (batch: ReadableSpan) =>
      exporter
        .getFinishedSpans()
        .find((span) => parentOf(span) === idOf(batch) && span.name === 'eventcore.store.readAll')
    const batch = await eventually(
      () =>
        exporter
          .getFinishedSpans()
          .find((span) => span.name === 'projection users batch' && readOf(span) !== undefined),
      'a users projection batch with its read',
    )
    expect(batch.attributes).toMatchObject({ 'eventcore.projection': 'users', 'eventcore.projection.version': 1 })
    const readAll = readOf(batch) as ReadableSpan
    expect(readAll.attributes['eventcore.events.count']).toBeGreaterThan(0)
  })
})
