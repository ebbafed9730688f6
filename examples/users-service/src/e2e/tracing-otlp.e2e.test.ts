import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mintToken, startTracing } from '@eventcore/service'
import { type ChildService, spawnService } from '@eventcore/service/testing'
import { trace } from '@opentelemetry/api'
import { afterEach, describe, expect, it } from 'vitest'
import { MAIN_SCRIPT } from './main-script.js'

const SECRET = 'a-tracing-e2e-secret-of-at-least-32-bytes'
const TRACE_ID = '5b8efff798038103d269b633813fc60c'
const TRACEPARENT = `00-${TRACE_ID}-eee19b7ec3c1b174-01`

/** What an OTLP/HTTP collector was sent. */
interface Received {
  readonly method: string
  readonly url: string
  readonly contentType: string | undefined
  readonly body: Buffer
}

/** A stand-in collector on loopback: answers every export 200 and keeps what it was sent. */
async function startSink(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = []
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        contentType: request.headers['content-type'],
        body: Buffer.concat(chunks),
      })
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

const BASE_ENV = { EVENTCORE_JWT_SECRET: SECRET, EVENTCORE_DATA_DIR: 'memory://', EVENTCORE_LOG_LEVEL: 'info' }

async function register(service: ChildService, correlationId: string): Promise<Response> {
  const token = await mintToken({
    secret: SECRET,
    sub: 'tracing-e2e',
    roles: ['admin'],
    ttlSeconds: 300,
    now: new Date(),
  })
  return fetch(`${service.url}/api/v1/users`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      traceparent: TRACEPARENT,
      'x-correlation-id': correlationId,
    },
    body: JSON.stringify({ email: `${correlationId}@example.org`, first_name: 'Mary', last_name: 'Jackson' }),
  })
}

/** The JSON log lines the service wrote for the request with `correlationId`. */
const logLinesOf = (service: ChildService, correlationId: string) =>
  service
    .output()
    .stdout.split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.correlationId === correlationId)

const completed = (service: ChildService, correlationId: string) =>
  logLinesOf(service, correlationId).some((line) => line.msg === 'request completed')

/** An export that carries the trace: the protobuf body holds the trace id's 16 bytes as they are. */
const exportsOf = (received: readonly Received[]) =>
  received.filter((r) => r.body.includes(Buffer.from(TRACE_ID, 'hex')))

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('the built users service and OpenTelemetry', () => {
  let service: ChildService | undefined
  let sink: Awaited<ReturnType<typeof startSink>> | undefined
  afterEach(async () => {
    await service?.kill()
    await sink?.close()
    service = undefined
    sink = undefined
  })

  it('installs nothing without OTEL_* variables: no traceparent back, no trace ids in its logs', async () => {
    // In this process too: nothing asked for, nothing installed, the API stays a no-op.
    expect(await startTracing({}, { serviceName: 'users service' })).toBeUndefined()
    expect(trace.getTracer('test').startSpan('probe').isRecording()).toBe(false)

    service = await spawnService(MAIN_SCRIPT, BASE_ENV)
    const response = await register(service, 'untraced-request')
    expect(response.status).toBe(201)
    expect(response.headers.get('traceparent')).toBeNull()
    // Fastify logs "request completed" as the answer goes out: it may follow the answer by a moment.
    const running = service
    await until(() => completed(running, 'untraced-request'), 'the request-completed log line')
    const lines = logLinesOf(service, 'untraced-request')
    for (const line of lines) expect(line).not.toHaveProperty('trace_id')
    expect(service.output().stdout).not.toContain('traces: OTLP')
  }, 60_000)

  it('exports spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, in the caller’s trace, named in every log line', async () => {
    sink = await startSink()
    service = await spawnService(MAIN_SCRIPT, {
      ...BASE_ENV,
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_SERVICE_NAME: 'users-e2e',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    })
    // Printed right after the "listening at" line spawnService waits for.
    await service.waitForStdout(/traces: OTLP to/)
    expect(service.output().stdout).toContain(`traces: OTLP to ${sink.url}/v1/traces`)
    const response = await register(service, 'traced-request')
    expect(response.status).toBe(201)
    const traceparent = response.headers.get('traceparent')
    expect(traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`))

    const received = sink.received
    await until(() => exportsOf(received).length > 0, 'an export with the trace')
    const [first] = exportsOf(received)
    expect(first).toMatchObject({ method: 'POST', url: '/v1/traces', contentType: 'application/x-protobuf' })
    const sent = Buffer.concat(exportsOf(received).map((r) => r.body)).toString('latin1')
    for (const name of ['users-e2e', 'POST /api/v1/users', 'command register-user', 'eventcore.store.append'])
      expect(sent).toContain(name)
    expect(sent).not.toContain('traced-request@example.org')

    const running = service
    await until(() => completed(running, 'traced-request'), 'the request-completed log line')
    const lines = logLinesOf(service, 'traced-request')
    const serverSpan = traceparent?.split('-')[2]
    for (const line of lines) expect(line).toMatchObject({ trace_id: TRACE_ID, span_id: serverSpan })
  }, 60_000)

  it('exports the spans still buffered when it shuts down gracefully', async () => {
    sink = await startSink()
    service = await spawnService(MAIN_SCRIPT, {
      ...BASE_ENV,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${sink.url}/custom/traces`,
      // Nothing would be exported on schedule within the test: only the shutdown flush sends it.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    })
    expect((await register(service, 'flushed-request')).status).toBe(201)
    service.signal('SIGTERM')
    expect(await service.exited).toEqual({ code: 0, signal: null })
    const flushed = exportsOf(sink.received)
    expect(flushed.map((r) => r.url)).toEqual(['/custom/traces'])
  }, 60_000)
})
