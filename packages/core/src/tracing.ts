import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Span,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import { isEventCoreError } from './errors.js'
import type { EventStore } from './event-store.js'
import type { TraceIds } from './execution-context.js'

/**
 * EventCore's tracer, from the global provider: a no-op until a service installs an SDK (only
 * `@opentelemetry/api` is a dependency of a library), then that SDK's. Looked up on every use, not
 * kept: a tracer kept from one provider would go on feeding it after it is shut down and another
 * installed (the SDK caches its tracers, so the look-up is a map read).
 */
export const tracer = () => trace.getTracer('@eventcore/core')

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

/** Runs `work` in a child span of `parent`, ended when it settles, failed when it throws. */
export async function inSpan<T>(
  name: string,
  parent: Context,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer().startSpan(name, { attributes }, parent)
  try {
    return await work(span)
  } catch (error) {
    markFailed(span, errorType(error))
    throw error
  } finally {
    span.end()
  }
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
          span.setAttribute(
            'eventcore.append.outcome',
            !result.ok ? 'conflict' : result.duplicate ? 'duplicate' : 'appended',
          )
          return result
        },
      ),
    readStream: (streamId, options) =>
      inSpan('eventcore.store.readStream', parent, { 'eventcore.streams.count': 1 }, async (span) => {
        const slice = await store.readStream(streamId, options)
        span.setAttribute('eventcore.events.count', slice.events.length)
        return slice
      }),
    readStreams: (streamIds) =>
      inSpan('eventcore.store.readStreams', parent, { 'eventcore.streams.count': streamIds.length }, async (span) => {
        const slices = await store.readStreams(streamIds)
        let events = 0
        for (const slice of slices.values()) events += slice.events.length
        span.setAttribute('eventcore.events.count', events)
        return slices
      }),
    readAll: (options) =>
      inSpan('eventcore.store.readAll', parent, {}, async (span) => {
        const page = await store.readAll(options)
        span.setAttribute('eventcore.events.count', page.events.length)
        return page
      }),
    streamVersion: (streamId) => store.streamVersion(streamId),
    onAppend: (listener) => store.onAppend(listener),
    close: () => store.close(),
  }
}
