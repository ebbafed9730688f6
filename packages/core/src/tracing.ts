import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  ProxyTracerProvider,
  type Span,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import { isEventCoreError } from './errors.js'
import type { EventStore } from './event-store.js'
import type { TraceIds } from './execution-context.js'

/** A provider and the tracer taken from it (undefined: no SDK installed). */
type Taken = { readonly provider: TracerProvider; readonly tracer: Tracer | undefined }

/**
 * A library's tracer from the SDK the service installed (only `@opentelemetry/api` is a dependency
 * of a library), or undefined when none is: then nothing is traced and tracing costs this one
 * check, not a no-op span per call. Taken again whenever the provider behind the API's global
 * changes, so a provider shut down and replaced (a test's, a restarted service's) is never fed.
 */
export function tracerOf(name: string, cache: { taken?: Taken } = {}): Tracer | undefined {
  const global = trace.getTracerProvider()
  // The API's global is a proxy until an SDK registers its provider behind it.
  const provider = global instanceof ProxyTracerProvider ? global.getDelegate() : global
  if (cache.taken?.provider === provider) return cache.taken.tracer
  cache.taken = {
    provider,
    tracer: global instanceof ProxyTracerProvider ? global.getDelegateTracer(name) : global.getTracer(name),
  }
  return cache.taken.tracer
}

const coreCache: { taken?: Taken } = {}

/** EventCore core's tracer: see {@link tracerOf}. */
export const tracer = (): Tracer | undefined => tracerOf('@eventcore/core', coreCache)

/** The type of an error as a span may carry it: its kind or name, never its message. */
export function errorType(error: unknown): string {
  if (isEventCoreError(error)) return error.kind
  return error instanceof Error ? error.name : 'unknown'
}

/**
 * Marks a span failed. Only the error's kind goes on it: messages may quote stream ids (an e-mail
 * claim's stream id is an e-mail address) or data, and spans must never carry personal data.
 */
export function markFailed(span: Span, type: string): void {
  span.setAttribute('error.type', type)
  span.setStatus({ code: SpanStatusCode.ERROR, message: type })
}

/** Runs `work` for `span` and ends the span when it settles, failed (by the error's type) when it throws. */
export async function within<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    markFailed(span, errorType(error))
    throw error
  } finally {
    span.end()
  }
}

/** Runs `work` in a child span of `parent`, ended when it settles, failed when it throws. */
export async function inSpan<T>(
  name: string,
  parent: Context,
  attributes: Attributes,
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  const span = tracer()?.startSpan(name, { attributes }, parent)
  if (!span) return work(undefined)
  return within(span, () => work(span))
}

/** The ids of `span`, for event metadata; undefined when no trace is going on (a no-op span). */
export function traceIdsOf(span: Span): TraceIds | undefined {
  const ids = span.spanContext()
  return isSpanContextValid(ids) ? { traceId: ids.traceId, spanId: ids.spanId } : undefined
}

const eventsIn = (writes: Parameters<EventStore['append']>[0]) => {
  let count = 0
  for (const write of writes) count += write.events.length
  return count
}

/**
 * A view of `store` whose reads and appends are spans under `parent` (`eventcore.store.append`,
 * `eventcore.store.readStream`, `eventcore.store.readStreams`, `eventcore.store.readAll`), with
 * counts only: never a stream id (it may be an e-mail address) nor any data. The executor uses it
 * for every attempt, whatever the store; a route reading a stream itself may too, under its
 * request's span. Without a recording span in `parent` (no tracing installed, or not sampled) it
 * is `store` itself: tracing costs nothing when it is off.
 *
 * @example
 * // In a Fastify route with @eventcore/http, under the request's span:
 * const slice = await tracedStore(store, request.traceContext).readStream(userStream(id))
 */
export function tracedStore(store: EventStore, parent: Context = context.active()): EventStore {
  if (!trace.getSpan(parent)?.isRecording()) return store
  return {
    append: (writes, options) =>
      inSpan(
        'eventcore.store.append',
        parent,
        { 'eventcore.streams.count': writes.length, 'eventcore.events.count': eventsIn(writes) },
        async (span) => {
          const result = await store.append(writes, options)
          span?.setAttribute(
            'eventcore.append.outcome',
            !result.ok ? 'conflict' : result.duplicate ? 'duplicate' : 'appended',
          )
          return result
        },
      ),
    readStream: (streamId, options) =>
      inSpan('eventcore.store.readStream', parent, { 'eventcore.streams.count': 1 }, async (span) => {
        const slice = await store.readStream(streamId, options)
        span?.setAttribute('eventcore.events.count', slice.events.length)
        return slice
      }),
    readStreams: (streamIds) =>
      inSpan('eventcore.store.readStreams', parent, { 'eventcore.streams.count': streamIds.length }, async (span) => {
        const slices = await store.readStreams(streamIds)
        let events = 0
        for (const slice of slices.values()) events += slice.events.length
        span?.setAttribute('eventcore.events.count', events)
        return slices
      }),
    readAll: (options) =>
      inSpan('eventcore.store.readAll', parent, {}, async (span) => {
        const page = await store.readAll(options)
        span?.setAttribute('eventcore.events.count', page.events.length)
        return page
      }),
    streamVersion: (streamId) => store.streamVersion(streamId),
    onAppend: (listener) => store.onAppend(listener),
    close: () => store.close(),
  }
}
