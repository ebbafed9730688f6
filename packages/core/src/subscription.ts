import { type GlobalCursor, type RecordedEvent, START } from './event.js'
import type { EventStore } from './event-store.js'

/** Which events a subscription delivers. Empty means all. */
export interface EventFilter {
  /** Only these event types. */
  readonly types?: readonly string[]
  /** Only streams whose id starts with this (a category, e.g. `account-`). */
  readonly streamPrefix?: string
}

/** Options of {@link subscribe}. */
export interface SubscribeOptions {
  /** Deliver events after this cursor. @default START */
  readonly from?: GlobalCursor
  readonly filter?: EventFilter
  /** Stops the subscription: the loop ends after the batch in hand. */
  readonly signal?: AbortSignal
  /** Events read per page. @default 500 */
  readonly batchSize?: number
  /**
   * When idle, poll at this interval, doubling up to `maxPollMs`; an append wakes it at once.
   * Polling covers what a wake-up cannot: a NOTIFY missed on a lost connection, or events held
   * back until an older transaction ends. @default 50
   */
  readonly minPollMs?: number
  /** @default 1000 */
  readonly maxPollMs?: number
}

/** A batch of a subscription: the events that pass the filter, and the cursor after the page. */
export interface SubscriptionBatch {
  readonly events: readonly RecordedEvent[]
  /** Persist this to resume: it is past every event read, filtered out or not. */
  readonly cursor: GlobalCursor
}

/** True when `event` passes `filter`. */
export function matches(filter: EventFilter | undefined, event: RecordedEvent): boolean {
  if (!filter) return true
  if (filter.types && !filter.types.includes(event.type)) return false
  return !filter.streamPrefix || event.streamId.startsWith(filter.streamPrefix)
}

/**
 * Follows the global log: catches up from `from` in pages, then waits for appends (woken by the
 * store, with polling as the fallback) and delivers them as they become readable. Never skips or
 * repeats an event, because it rides on `readAll`.
 *
 * @example
 * const controller = new AbortController()
 * for await (const batch of subscribe(store, { from: saved, filter: { types: ['Deposited'] }, signal: controller.signal })) {
 *   for (const event of batch.events) handle(event)
 *   saved = batch.cursor
 * }
 */
export async function* subscribe(store: EventStore, options: SubscribeOptions = {}): AsyncGenerator<SubscriptionBatch> {
  const { from = START, filter, signal, batchSize = 500, minPollMs = 50, maxPollMs = 1000 } = options
  let cursor = from
  let woken = false
  let wake: (() => void) | undefined
  const stop = store.onAppend(() => {
    woken = true
    wake?.()
  })
  const aborted = () => {
    wake?.()
  }
  signal?.addEventListener('abort', aborted)
  try {
    let pollMs = minPollMs
    while (!signal?.aborted) {
      woken = false
      const page = await store.readAll({ after: cursor, limit: batchSize })
      if (page.events.length > 0) {
        cursor = page.cursor
        pollMs = minPollMs
        const events = page.events.filter((event) => matches(filter, event))
        if (events.length > 0 || page.events.length < batchSize) yield { events, cursor }
        continue
      }
      if (woken) continue
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      wake = undefined
      pollMs = Math.min(maxPollMs, pollMs * 2)
    }
  } finally {
    stop()
    signal?.removeEventListener('abort', aborted)
  }
}
