import { type GlobalCursor, type RecordedEvent, START } from './event.js'
import type { EventStore } from './event-store.js'
import { isOutage, type OutageBackoff, type OutageRetry, outageDelay } from './outage.js'
import { createWakeUp } from './wake-up.js'

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
  /** Back-off while the store is down (see {@link isOutage}). @default { minMs: 100, maxMs: 5000 } */
  readonly outageBackoff?: OutageBackoff
  /** Called on every failed read it waits out (for logs and metrics); must not throw. */
  readonly onOutage?: (retry: OutageRetry) => void
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
 * repeats an event, because it rides on `readAll`. A store outage does not end it: it backs off,
 * reports each failed read to `onOutage`, and goes on from its cursor when the store answers
 * again. It ends when `signal` aborts, or throws on an error no retry can cure (a validation
 * error, e.g. a bad `batchSize`).
 *
 * @example
 * const controller = new AbortController()
 * for await (const batch of subscribe(store, { from: saved, filter: { types: ['Deposited'] }, signal: controller.signal })) {
 *   for (const event of batch.events) handle(event)
 *   saved = batch.cursor
 * }
 */
export async function* subscribe(store: EventStore, options: SubscribeOptions = {}): AsyncGenerator<SubscriptionBatch> {
  const {
    from = START,
    filter,
    signal,
    batchSize = 500,
    minPollMs = 50,
    maxPollMs = 1000,
    outageBackoff,
    onOutage,
  } = options
  let cursor = from
  const aborting = () => signal?.aborted === true
  const wakeUp = createWakeUp(aborting)
  // An append's wake-up must not cut an outage's back-off short: only an abort does.
  const backOff = createWakeUp(aborting)
  const stop = store.onAppend(wakeUp.onAppend)
  const aborted = () => {
    wakeUp.wake()
    backOff.wake()
  }
  signal?.addEventListener('abort', aborted)
  try {
    let pollMs = minPollMs
    let failures = 0
    while (!signal?.aborted) {
      wakeUp.forget()
      let page: Awaited<ReturnType<EventStore['readAll']>>
      try {
        page = await store.readAll({ after: cursor, limit: batchSize })
        failures = 0
      } catch (error) {
        if (!isOutage(error)) throw error
        failures += 1
        const delayMs = outageDelay(failures, outageBackoff, error)
        onOutage?.({ attempt: failures, delayMs, error })
        await backOff.sleep(delayMs)
        continue
      }
      if (page.events.length > 0) {
        cursor = page.cursor
        pollMs = minPollMs
        const events = page.events.filter((event) => matches(filter, event))
        if (events.length > 0 || page.events.length < batchSize) yield { events, cursor }
        continue
      }
      if (wakeUp.heard()) continue
      await wakeUp.sleep(pollMs)
      pollMs = Math.min(maxPollMs, pollMs * 2)
    }
  } finally {
    stop()
    signal?.removeEventListener('abort', aborted)
  }
}
