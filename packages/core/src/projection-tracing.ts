import { ROOT_CONTEXT, trace } from '@opentelemetry/api'
import type { ReadAllPage } from './event-store.js'
import type { PageOutcome } from './projection-page.js'
import { markFailed, tracer, within } from './tracing.js'

/** When a page was asked for and when it came back, from `performance.now()`. */
export interface ReadTimes {
  readonly from: number
  readonly to: number
}

/**
 * Applies a page in a span `projection <name> batch` (a root: a projection runs on its own, not
 * for a request), with the page's `eventcore.store.readAll` as its first child. The span is made
 * once the page is known to hold events, back-dated to the read, so a runner polling an idle log
 * makes no spans at all.
 */
export async function traceBatch(
  projection: { readonly name: string; readonly version: number },
  page: ReadAllPage,
  read: ReadTimes,
  apply: () => Promise<PageOutcome>,
): Promise<PageOutcome> {
  const batchTracer = tracer()
  if (!batchTracer) return apply()
  const span = batchTracer.startSpan(
    `projection ${projection.name} batch`,
    {
      startTime: read.from,
      attributes: {
        'eventcore.projection': projection.name,
        'eventcore.projection.version': projection.version,
        'eventcore.events.count': page.events.length,
      },
    },
    ROOT_CONTEXT,
  )
  if (!span.isRecording()) {
    span.end()
    return apply()
  }
  batchTracer
    .startSpan(
      'eventcore.store.readAll',
      { startTime: read.from, attributes: { 'eventcore.events.count': page.events.length } },
      trace.setSpan(ROOT_CONTEXT, span),
    )
    .end(read.to)
  return within(span, async () => {
    const outcome = await apply()
    span.setAttribute('eventcore.projection.outcome', outcome.kind)
    if (outcome.kind === 'applied') span.setAttribute('eventcore.events.applied', outcome.applied)
    if (outcome.kind === 'failed') markFailed(span, 'projection-failed')
    return outcome
  })
}
