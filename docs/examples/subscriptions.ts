// Examples for docs/subscriptions.md: following the global log with subscribe(), filtered,
// resumable from a saved cursor, stoppable, riding out an outage; onAppend wake-ups.
import { type EventStore, type GlobalCursor, type RecordedEvent, START, subscribe } from '@eventcore/core'

// #region follow
/** Where a consumer keeps its cursor between runs: a file, a table row, a key in a cache. */
export interface CursorStore {
  load(): Promise<GlobalCursor | undefined>
  save(cursor: GlobalCursor): Promise<void>
}

/**
 * Sends a welcome mail for every enrollment, from where the last run stopped, until `signal`
 * aborts: first the backlog, page by page, then each new enrollment as it is appended.
 */
export async function mailEnrollments(
  store: EventStore,
  cursors: CursorStore,
  send: (event: RecordedEvent) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const from = (await cursors.load()) ?? START
  for await (const batch of subscribe(store, {
    from, // deliver what comes after this cursor
    filter: { types: ['EnrolledInCourse'], streamPrefix: 'student-' },
    signal, // ends the loop
    batchSize: 500, // events read per page (the default)
    minPollMs: 50, // when idle, poll after 50 ms (the default)…
    maxPollMs: 1000, // …doubling up to 1 s (the default); appends wake it at once
  })) {
    for (const event of batch.events) await send(event)
    await cursors.save(batch.cursor) // past every event read, the filtered-out ones too
  }
}
// #endregion follow

// #region stop
/** Starts the mailer in the background; the function it returns stops it and waits for the end. */
export function startMailer(
  store: EventStore,
  cursors: CursorStore,
  send: (event: RecordedEvent) => Promise<void>,
): () => Promise<void> {
  const controller = new AbortController()
  const running = mailEnrollments(store, cursors, send, controller.signal)
  return async () => {
    controller.abort() // wakes it when idle; a batch in hand is finished (and its cursor saved) first
    await running
  }
}
// #endregion stop

// #region restart
/**
 * A subscription waits out an outage itself (the database restarted, say): it backs off, reports
 * each failed read, and goes on from its cursor. Only the signal, or an error no retry can cure (a
 * bad cursor, say), ends it.
 */
export async function keepMailing(
  store: EventStore,
  cursors: CursorStore,
  send: (event: RecordedEvent) => Promise<void>,
  signal: AbortSignal,
  pauseMs = 100,
  log: (line: string) => void = console.warn,
): Promise<void> {
  for await (const batch of subscribe(store, {
    from: (await cursors.load()) ?? START,
    filter: { types: ['EnrolledInCourse'], streamPrefix: 'student-' },
    signal,
    outageBackoff: { minMs: pauseMs, maxMs: 5000 }, // wait pauseMs, doubling up to 5 s
    onOutage: ({ attempt, delayMs, error }) =>
      log(`mailer: read failed ${attempt} time(s) in a row, retrying in ${delayMs} ms: ${String(error)}`),
  })) {
    for (const event of batch.events) await send(event)
    await cursors.save(batch.cursor)
  }
}
// #endregion restart

// #region on-append
/**
 * Marks a cached page stale whenever anything is appended: this process's appends at once, other
 * processes' through NOTIFY (PostgreSQL). A wake-up says "something may be new", never what.
 */
export function staleOnAppend(store: EventStore): { stale(): boolean; refreshed(): void; stop(): void } {
  let stale = true
  const stop = store.onAppend(() => {
    stale = true
  })
  return {
    stale: () => stale,
    refreshed: () => {
      stale = false
    },
    stop,
  }
}
// #endregion on-append
