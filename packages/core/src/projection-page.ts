import { cursorOf, type GlobalCursor, type RecordedEvent } from './event.js'
import {
  type DeadLetter,
  handles,
  type Projection,
  type ProjectionFailure,
  type ProjectionStore,
} from './projection.js'

/** How one page of the log went for a projection. */
export type PageOutcome =
  | { kind: 'applied'; applied: number }
  | { kind: 'moved' }
  | { kind: 'interrupted' }
  | { kind: 'failed'; failure: ProjectionFailure }

/**
 * Applies pages of the log to a projection: the whole page in one transaction with its checkpoint;
 * when that keeps failing, one event at a time, to find the event at fault and treat it by the
 * projection's failure policy. A store failure is thrown (not the event's fault); a handler's is
 * counted against its event.
 */
export function createPageApplier<Tx>({
  projection,
  projections,
  clock,
  stopping,
  onDeadLetter,
}: {
  readonly projection: Projection<Tx>
  readonly projections: ProjectionStore<Tx>
  readonly clock: () => Date
  /** True once the runner is asked to stop: no more retries of a failing handler. */
  readonly stopping: () => boolean
  /** Told of each event parked as a dead letter, once its checkpoint moved past it. */
  readonly onDeadLetter?: (letter: Omit<DeadLetter, 'failedAt'>) => void
}): (from: GlobalCursor, events: readonly RecordedEvent[], to: GlobalCursor) => Promise<PageOutcome> {
  const { name, version } = projection
  async function applyPage(
    from: GlobalCursor,
    events: readonly RecordedEvent[],
    to: GlobalCursor,
  ): Promise<PageOutcome> {
    const relevant = events.filter((event) => handles(projection, event))
    const whole = await attempt(() =>
      projections.commit(name, version, { from, to, processed: relevant.length }, (tx) => applyAll(relevant, tx)),
    )
    if (whole.ok) return whole.value === 'moved' ? { kind: 'moved' } : { kind: 'applied', applied: relevant.length }
    if (stopping()) return { kind: 'interrupted' }
    // The batch keeps failing: go one event at a time to find the one that fails, and apply the rest.
    let cursor = from
    let applied = 0
    for (const event of relevant) {
      const next = cursorOf(event)
      const one = await attempt(
        () =>
          projections.commit(name, version, { from: cursor, to: next, processed: 1 }, (tx) => applyAll([event], tx)),
        projection.failure?.maxAttempts,
      )
      if (one.ok) {
        if (one.value === 'moved') return { kind: 'moved' }
        applied += 1
        cursor = next
        continue
      }
      if (stopping()) return { kind: 'interrupted' }
      const failure: ProjectionFailure = { message: one.message, eventId: event.eventId, at: clock() }
      if ((projection.failure?.onExhausted ?? 'stop') === 'stop') return { kind: 'failed', failure }
      const deadLetter: Omit<DeadLetter, 'failedAt'> = {
        projection: name,
        version,
        eventId: event.eventId,
        globalPosition: event.globalPosition,
        error: one.message,
        attempts: projection.failure?.maxAttempts ?? 3,
      }
      const parked = await projections.commit(
        name,
        version,
        { from: cursor, to: next, processed: 0, deadLetter },
        async () => {},
      )
      if (parked === 'moved') return { kind: 'moved' }
      onDeadLetter?.(deadLetter)
      cursor = next
    }
    const rest = await projections.commit(name, version, { from: cursor, to, processed: 0 }, async () => {})
    return rest === 'moved' ? { kind: 'moved' } : { kind: 'applied', applied }
  }

  async function applyAll(events: readonly RecordedEvent[], tx: Tx): Promise<void> {
    try {
      if (projection.handleBatch) {
        if (events.length > 0) await projection.handleBatch(events, { tx, version })
        return
      }
      for (const event of events) await projection.handle(event, { tx, version })
    } catch (error) {
      throw new HandlerFailure(error)
    }
  }

  /** Tries `work` with doubling back-off; a handler's error is the answer after the last try. */
  async function attempt<T>(
    work: () => Promise<T>,
    maxAttempts = projection.failure?.maxAttempts ?? 3,
  ): Promise<{ ok: true; value: T } | { ok: false; message: string }> {
    const baseDelayMs = projection.failure?.baseDelayMs ?? 50
    for (let n = 1; ; n++) {
      try {
        return { ok: true, value: await work() }
      } catch (error) {
        if (!(error instanceof HandlerFailure)) throw error // the store failed, not the handler: not the event's fault
        if (n >= maxAttempts || stopping()) return { ok: false, message: error.message }
        await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** (n - 1)))
      }
    }
  }

  return applyPage
}

/** A handler threw: counted against the event, unlike a failure of the store. */
class HandlerFailure extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
  }
}
