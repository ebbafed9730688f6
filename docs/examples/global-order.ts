// Examples for docs/global-order.md: reading the global log, keeping a cursor, a projection that
// commits its read model and its cursor together.
import {
  compareCursors,
  cursorOf,
  type EventStore,
  type GlobalCursor,
  type RecordedEvent,
  START,
} from '@eventcore/core'
import type { SqlEventStore } from '@eventcore/postgres'
import { readAll, withTransaction } from '@eventcore/postgres/store-kit'

// #region catch-up
/** Reads every event after `from`, page by page; returns the cursor to resume from next time. */
export async function catchUp(
  store: EventStore,
  from: GlobalCursor,
  handle: (event: RecordedEvent) => void,
): Promise<GlobalCursor> {
  let cursor = from
  for (;;) {
    const page = await store.readAll({ after: cursor, limit: 500 })
    if (page.events.length === 0) return cursor // page.cursor equals `after` when nothing is new
    for (const event of page.events) handle(event)
    cursor = page.cursor
  }
}
// #endregion catch-up

// #region persist
/** A cursor is two numbers; keep both. */
export const saveCursor = (cursor: GlobalCursor): string => JSON.stringify(cursor)

export function loadCursor(saved: string | undefined): GlobalCursor {
  if (saved === undefined) return START
  const { transactionId, position } = JSON.parse(saved) as GlobalCursor
  return { transactionId, position } // readAll refuses anything that is not two whole numbers ≥ 0
}
// #endregion persist

// #region already-handled
/** True when `event` is at or before the last one handled: compare the pair, never the position alone. */
export function alreadyHandled(event: RecordedEvent, lastHandled: GlobalCursor): boolean {
  return compareCursors(cursorOf(event), lastHandled) <= 0
}
// #endregion already-handled

// #region position-only
// Two events in the order readAll returns them, when a transaction took its id first but
// inserted its event last:
const a = { transactionId: 100, position: 11 }
const b = { transactionId: 101, position: 10 }
// A consumer that keeps only the position resumes "after 11" once it has handled `a`: `b` is lost.
export const positionOnlyLosesB = b.position <= a.position // true
// With the pair, (101, 10) comes after (100, 11): `b` is delivered.
export const pairDeliversB = compareCursors(b, a) > 0 // true
// #endregion position-only

// #region projection
const SETUP = `
CREATE TABLE IF NOT EXISTS course_seats (course_id text PRIMARY KEY, taken integer NOT NULL);
CREATE TABLE IF NOT EXISTS projection_checkpoints (
  name text PRIMARY KEY, transaction_id bigint NOT NULL, position bigint NOT NULL);
INSERT INTO projection_checkpoints VALUES ('course-seats', 0, 0) ON CONFLICT (name) DO NOTHING;`

/**
 * Counts the seats taken per course into a table in the same database as the events. Each page
 * is read, applied and its cursor saved in one transaction: a crash rolls all three back, so no
 * event is applied twice or skipped, and a second runner waits on the checkpoint's row lock.
 */
export async function projectSeats(store: SqlEventStore): Promise<number> {
  await store.driver.query(SETUP)
  let applied = 0
  for (;;) {
    const read = await withTransaction(store.driver, async (tx) => {
      const [row] = await tx.query<{ transaction_id: string; position: string }>(
        'SELECT transaction_id, position FROM projection_checkpoints WHERE name = $1 FOR UPDATE',
        ['course-seats'],
      )
      const after = { transactionId: Number(row?.transaction_id ?? 0), position: Number(row?.position ?? 0) }
      // readAll from @eventcore/postgres/store-kit runs on the transaction's own connection.
      const page = await readAll(tx, store.schema, { after, limit: 500 })
      for (const event of page.events) {
        if (event.type !== 'SeatTaken') continue
        await tx.query(
          `INSERT INTO course_seats VALUES ($1, 1)
           ON CONFLICT (course_id) DO UPDATE SET taken = course_seats.taken + 1`,
          [event.streamId],
        )
      }
      await tx.query('UPDATE projection_checkpoints SET transaction_id = $2, position = $3 WHERE name = $1', [
        'course-seats',
        page.cursor.transactionId,
        page.cursor.position,
      ])
      return page.events.length
    })
    if (read === 0) return applied
    applied += read
  }
}
// #endregion projection
