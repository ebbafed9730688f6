import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { event } from './event.js'
import type { EventStore } from './event-store.js'
import { createExecutor } from './executor.js'
import { createMemoryProjectionStore } from './memory-projections.js'
import { createMemoryStore } from './memory-store.js'
import { runProjection } from './projection-runner.js'
import { until } from './test-wait.js'
import { registerUser } from './testing/bank.js'
import { tracedStore } from './tracing.js'

// Personal data the spans must never carry: it is in the command's input, its stream ids
// (`email-…`), its events and its rejection message.
const EMAIL = 'ada.lovelace@example.org'
const USER_ID = 'user-ada-7'

const noSleep = async () => {}

/** A store whose next appends first run `before` (a competing write, to force a conflict). */
function interfering(store: EventStore, before: Array<() => Promise<unknown>>): EventStore {
  return {
    ...store,
    async append(writes, options) {
      await before.shift()?.()
      return store.append(writes, options)
    },
  }
}

const childrenOf = (spans: readonly ReadableSpan[], parent: ReadableSpan) =>
  spans
    .filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId)
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1])

/** Every attribute value and span name, as text, to look for personal data in. */
const everythingSaid = (spans: readonly ReadableSpan[]) =>
  JSON.stringify(spans.map((span) => [span.name, span.attributes, span.status, span.events]))

describe('without a tracer provider', () => {
  it('writes no trace ids into event metadata', async () => {
    const executor = createExecutor({ store: createMemoryStore() })
    const result = await executor.execute(registerUser, { userId: USER_ID, email: EMAIL })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    for (const written of result.events) {
      expect(written.metadata).not.toHaveProperty('traceId')
      expect(written.metadata).not.toHaveProperty('spanId')
    }
  })

  it('leaves a store untraced', () => {
    const store = createMemoryStore()
    expect(tracedStore(store)).toBe(store)
  })
})

describe('with a tracer provider', () => {
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
  beforeAll(() => {
    trace.setGlobalTracerProvider(provider)
  })
  afterEach(() => exporter.reset())
  afterAll(async () => {
    await provider.shutdown()
    trace.disable()
  })

  it('traces a command, its attempts (a retried conflict included) and their store calls', async () => {
    const memory = createMemoryStore()
    // Before the first append, someone else claims the user stream: the first attempt conflicts.
    const store = interfering(memory, [
      () =>
        memory.append([
          {
            streamId: `user-${USER_ID}`,
            events: [event('UserRegistered', { userId: USER_ID, email: 'x@example.org' })],
          },
        ]),
    ])
    const executor = createExecutor({ store, sleep: noSleep })
    const request = trace.getTracer('test').startSpan('POST /api/v1/users')
    const result = await executor.execute(
      registerUser,
      { userId: USER_ID, email: EMAIL },
      { trace: trace.setSpan(ROOT_CONTEXT, request) },
    )
    request.end()
    // The second attempt reads the competing event: the user exists, a business-rule rejection.
    expect(result).toMatchObject({ ok: false, error: { kind: 'business-rule' } })

    const spans = exporter.getFinishedSpans()
    const command = spans.find((span) => span.name === 'command register-user')
    expect(command).toBeDefined()
    if (!command) return
    expect(command.parentSpanContext?.spanId).toBe(request.spanContext().spanId)
    expect(command.spanContext().traceId).toBe(request.spanContext().traceId)
    expect(command.attributes).toEqual({
      'eventcore.command': 'register-user',
      'eventcore.command.outcome': 'business-rule',
      'eventcore.command.attempts': 2,
      'eventcore.streams.count': 2,
      'eventcore.events.written': 0,
    })
    // A rejection is the command answering, not the system failing.
    expect(command.status.code).toBe(SpanStatusCode.UNSET)

    const attempts = childrenOf(spans, command)
    expect(attempts.map((span) => span.name)).toEqual([
      'command register-user attempt',
      'command register-user attempt',
    ])
    expect(attempts.map((span) => span.attributes)).toEqual([
      { 'eventcore.command.attempt': 1, 'eventcore.command.outcome': 'concurrency' },
      {
        'eventcore.command.attempt': 2,
        'eventcore.command.retry_reason': 'concurrency',
        'eventcore.command.outcome': 'business-rule',
      },
    ])
    const [first, second] = attempts as [ReadableSpan, ReadableSpan]
    expect(childrenOf(spans, first).map((span) => [span.name, span.attributes])).toEqual([
      ['eventcore.store.readStreams', { 'eventcore.streams.count': 2, 'eventcore.events.count': 0 }],
      [
        'eventcore.store.append',
        { 'eventcore.streams.count': 2, 'eventcore.events.count': 2, 'eventcore.append.outcome': 'conflict' },
      ],
    ])
    expect(childrenOf(spans, second).map((span) => [span.name, span.attributes])).toEqual([
      ['eventcore.store.readStreams', { 'eventcore.streams.count': 2, 'eventcore.events.count': 1 }],
    ])
    expect(everythingSaid(spans)).not.toContain(EMAIL)
    expect(everythingSaid(spans)).not.toContain(USER_ID)
  })

  it('writes the command span ids into every event and says what it wrote', async () => {
    const executor = createExecutor({ store: createMemoryStore() })
    const result = await executor.execute(registerUser, { userId: USER_ID, email: EMAIL })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const command = exporter.getFinishedSpans().find((span) => span.name === 'command register-user')
    expect(command?.attributes).toMatchObject({
      'eventcore.command.outcome': 'ok',
      'eventcore.command.attempts': 1,
      'eventcore.events.written': 2,
    })
    // No parent given and none active: the command span starts a trace of its own.
    expect(command?.parentSpanContext).toBeUndefined()
    expect(result.events).toHaveLength(2)
    for (const written of result.events)
      expect(written.metadata).toMatchObject({
        traceId: command?.spanContext().traceId,
        spanId: command?.spanContext().spanId,
      })
    expect(everythingSaid(exporter.getFinishedSpans())).not.toContain(EMAIL)
  })

  it('marks a guessed first attempt and fails the span of a command the store could not run', async () => {
    const memory = createMemoryStore()
    const down: EventStore = {
      ...memory,
      append: async () => {
        throw new Error(`connection to the server holding ${EMAIL} was lost`)
      },
    }
    const executor = createExecutor({ store: down, sleep: noSleep })
    await expect(
      executor.execute(registerUser, { userId: USER_ID, email: EMAIL }, { assumeNewStreams: true }),
    ).rejects.toThrow('connection')
    const spans = exporter.getFinishedSpans()
    const command = spans.find((span) => span.name === 'command register-user')
    expect(command?.attributes['eventcore.command.outcome']).toBe('exception')
    expect(command?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'exception' })
    const attempt = spans.find((span) => span.name === 'command register-user attempt')
    expect(attempt?.attributes).toMatchObject({
      'eventcore.command.attempt': 1,
      'eventcore.command.assume_new_streams': true,
    })
    const append = spans.find((span) => span.name === 'eventcore.store.append')
    expect(append?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Error' })
    expect(append?.attributes['error.type']).toBe('Error')
    expect(everythingSaid(spans)).not.toContain(EMAIL)
  })

  it('traces reads through a traced store under the given span', async () => {
    const store = createMemoryStore()
    await store.append([{ streamId: `email-${EMAIL}`, events: [event('EmailClaimed', { userId: USER_ID })] }])
    const parent = trace.getTracer('test').startSpan('GET /api/v1/users/:id')
    const traced = tracedStore(store, trace.setSpan(ROOT_CONTEXT, parent))
    expect((await traced.readStream(`email-${EMAIL}`)).version).toBe(1)
    expect((await traced.readAll()).events).toHaveLength(1)
    parent.end()
    const spans = exporter.getFinishedSpans()
    const root = spans.find((span) => span.name === 'GET /api/v1/users/:id')
    if (!root) throw new Error('no request span')
    expect(childrenOf(spans, root).map((span) => [span.name, span.attributes])).toEqual([
      ['eventcore.store.readStream', { 'eventcore.streams.count': 1, 'eventcore.events.count': 1 }],
      ['eventcore.store.readAll', { 'eventcore.events.count': 1 }],
    ])
    expect(everythingSaid(spans)).not.toContain(EMAIL)
  })

  it('traces each projection batch with its readAll, and nothing while the log is idle', async () => {
    const store = createMemoryStore()
    for (let n = 0; n < 5; n++)
      await store.append([{ streamId: `s-${n}`, events: [{ type: 'N', data: { email: `${n}-${EMAIL}` } }] }])
    const projections = createMemoryProjectionStore()
    const runner = runProjection({
      store,
      projections,
      projection: { name: 'emails', version: 2, handle: () => {} },
      batchSize: 3,
      minPollMs: 1,
      maxPollMs: 5,
    })
    await until(async () => (await projections.load('emails', 2)).processed === 5)
    // Idle polls for a while: they must add no spans.
    await new Promise((resolve) => setTimeout(resolve, 50))
    await runner.stop()
    const spans = exporter.getFinishedSpans()
    const batches = spans.filter((span) => span.name === 'projection emails batch')
    expect(batches.map((span) => span.attributes)).toEqual([
      {
        'eventcore.projection': 'emails',
        'eventcore.projection.version': 2,
        'eventcore.events.count': 3,
        'eventcore.projection.outcome': 'applied',
        'eventcore.events.applied': 3,
      },
      {
        'eventcore.projection': 'emails',
        'eventcore.projection.version': 2,
        'eventcore.events.count': 2,
        'eventcore.projection.outcome': 'applied',
        'eventcore.events.applied': 2,
      },
    ])
    for (const batch of batches) {
      expect(batch.parentSpanContext).toBeUndefined()
      const reads = childrenOf(spans, batch)
      expect(reads.map((span) => span.name)).toEqual(['eventcore.store.readAll'])
      // Back-dated to the read: the batch starts when its read did (within the SDK's clock
      // anchoring), and the read ends before the batch does.
      const ms = (time: readonly [number, number]) => time[0] * 1000 + time[1] / 1e6
      const read = reads[0] as ReadableSpan
      expect(Math.abs(ms(read.startTime) - ms(batch.startTime))).toBeLessThan(1)
      expect(ms(read.endTime)).toBeLessThanOrEqual(ms(batch.endTime))
    }
    expect(spans).toHaveLength(4)
    expect(everythingSaid(spans)).not.toContain(EMAIL)
  })
})
