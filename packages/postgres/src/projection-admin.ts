import type { DeadLetter, GlobalCursor, ProjectionState } from '@eventcore/core'
import type { SqlConnection } from './sql-driver.js'
import type { SqlEventStore } from './sql-store.js'

/** What an operator's move of a projection checkpoint changed. */
export interface CheckpointMove {
  readonly name: string
  readonly version: number
  readonly from: GlobalCursor
  readonly to: GlobalCursor
  /** The stored state before and after: only `failed` changes (to `idle`, its error cleared). */
  readonly stateBefore: ProjectionState
  readonly stateAfter: ProjectionState
}

/** What {@link moveProjectionCheckpoint} does. */
export interface MoveCheckpointOptions {
  readonly name: string
  readonly version: number
  /** Where the projection resumes: it applies the events after this cursor next. */
  readonly to: GlobalCursor
  /** Also set the processed count to 0 (a replay from the start counts afresh). @default false */
  readonly resetProcessed?: boolean
}

/** Which dead letters {@link retryDeadLetters} and {@link dropDeadLetters} take. */
export interface DeadLetterSelection {
  readonly name: string
  readonly version: number
  /** Only this event's dead letter (retry: and those of the events after it, replayed anyway). @default all */
  readonly eventId?: string
}

/** What {@link retryDeadLetters} did: the dead letters removed and the checkpoint moved back. */
export interface DeadLetterRetry {
  readonly retried: readonly DeadLetter[]
  /** Undefined when nothing was parked (nothing moved). */
  readonly move: CheckpointMove | undefined
}

interface CheckpointRow {
  readonly transaction_id: string
  readonly position: string | number
  readonly state: ProjectionState
}

interface DeadLetterRow {
  readonly id: string | number
  readonly projection: string
  readonly version: number
  readonly event_id: string
  readonly global_position: string | number
  readonly transaction_id: string
  readonly error: string
  readonly attempts: number
  readonly failed_at: Date
}

const cursorOfRow = (row: CheckpointRow): GlobalCursor => ({
  transactionId: Number(row.transaction_id),
  position: Number(row.position),
})

const before = (a: GlobalCursor, b: GlobalCursor) =>
  a.transactionId < b.transactionId || (a.transactionId === b.transactionId && a.position < b.position)

/**
 * Moves a projection version's checkpoint, as an operator does to replay (reset, rebuild) or to
 * retry parked events, and clears a `failed` state (to `idle`, with its error) so a runner can
 * start again. The read model is not touched: the events after `to` are applied again, so the
 * handler must be idempotent. A runner holding the projection notices at its next commit (which
 * answers `moved`) and follows. Resolves `undefined` when the version has no checkpoint.
 *
 * @example
 * await moveProjectionCheckpoint(store, { name: 'users', version: 1, to: START, resetProcessed: true })
 */
export function moveProjectionCheckpoint(
  store: Pick<SqlEventStore, 'driver' | 'schema'>,
  options: MoveCheckpointOptions,
): Promise<CheckpointMove | undefined> {
  return store.driver.transaction((tx) => move(tx, store, options))
}

async function move(
  tx: SqlConnection,
  { schema }: Pick<SqlEventStore, 'schema'>,
  { name, version, to, resetProcessed = false }: MoveCheckpointOptions,
): Promise<CheckpointMove | undefined> {
  const table = `${schema.quoted}.projections`
  // The row lock orders this move with a runner's commit: the commit either ends first (and this
  // moves its result) or finds the cursor moved and reloads.
  const [row] = await tx.query<CheckpointRow>(
    `SELECT cursor_transaction_id::text AS transaction_id, cursor_position AS position, state FROM ${table}
     WHERE name = $1 AND version = $2 FOR UPDATE`,
    [name, version],
  )
  if (!row) return undefined
  const failed = row.state === 'failed'
  await tx.query(
    `UPDATE ${table} SET cursor_transaction_id = $3::text::xid8, cursor_position = $4, updated_at = now(),
       processed = CASE WHEN $5 THEN 0 ELSE processed END,
       state = CASE WHEN state = 'failed' THEN 'idle' ELSE state END,
       last_error = CASE WHEN state = 'failed' THEN NULL ELSE last_error END,
       last_error_event_id = CASE WHEN state = 'failed' THEN NULL ELSE last_error_event_id END,
       last_error_at = CASE WHEN state = 'failed' THEN NULL ELSE last_error_at END
     WHERE name = $1 AND version = $2`,
    [name, version, String(to.transactionId), to.position, resetProcessed],
  )
  return { name, version, from: cursorOfRow(row), to, stateBefore: row.state, stateAfter: failed ? 'idle' : row.state }
}

const DEAD_LETTER_COLUMNS = `d.id, d.projection, d.version, d.event_id, d.global_position,
  e.transaction_id::text AS transaction_id, d.error, d.attempts, d.failed_at`

async function selectDeadLetters(
  tx: SqlConnection,
  { schema }: Pick<SqlEventStore, 'schema'>,
  { name, version }: DeadLetterSelection,
): Promise<DeadLetterRow[]> {
  // In the log's order: the transaction of each parked event comes from the event itself.
  return tx.query<DeadLetterRow>(
    `SELECT ${DEAD_LETTER_COLUMNS} FROM ${schema.quoted}.dead_letters d
     JOIN ${schema.quoted}.events e ON e.event_id = d.event_id
     WHERE d.projection = $1 AND d.version = $2 ORDER BY e.transaction_id, e.global_position, d.id FOR UPDATE OF d`,
    [name, version],
  )
}

async function deleteRows(
  tx: SqlConnection,
  { schema }: Pick<SqlEventStore, 'schema'>,
  rows: readonly DeadLetterRow[],
): Promise<void> {
  if (rows.length === 0) return
  await tx.query(
    `DELETE FROM ${schema.quoted}.dead_letters WHERE id IN (SELECT jsonb_array_elements_text($1)::bigint)`,
    [JSON.stringify(rows.map((row) => String(row.id)))],
  )
}

const toDeadLetter = (row: DeadLetterRow): DeadLetter => ({
  projection: row.projection,
  version: row.version,
  eventId: row.event_id,
  globalPosition: Number(row.global_position),
  error: row.error,
  attempts: row.attempts,
  failedAt: row.failed_at,
})

const eventCursor = (row: DeadLetterRow): GlobalCursor => ({
  transactionId: Number(row.transaction_id),
  position: Number(row.global_position),
})

/**
 * Gives parked events another try: removes their dead letters and, in the same transaction, moves
 * the checkpoint back to just before the earliest of them (never forward), clearing a `failed`
 * state. The runner then applies every event from there again, not only the parked ones, so the
 * handler must be idempotent. With `eventId`, that event's dead letter goes, and those of the
 * events after it too: the replay covers them anyway (one that fails again is parked again).
 *
 * @example
 * const { retried } = await retryDeadLetters(store, { name: 'users', version: 1 })
 */
export function retryDeadLetters(
  store: Pick<SqlEventStore, 'driver' | 'schema'>,
  selection: DeadLetterSelection,
): Promise<DeadLetterRetry> {
  return store.driver.transaction(async (tx) => {
    const all = await selectDeadLetters(tx, store, selection)
    const first = selection.eventId === undefined ? all[0] : all.find((row) => row.event_id === selection.eventId)
    if (!first) return { retried: [], move: undefined }
    const from = eventCursor(first)
    const retried = all.filter((row) => !before(eventCursor(row), from))
    await deleteRows(tx, store, retried)
    // Just before the event: (its transaction, its position - 1) is after every event before it
    // in (transaction id, position) order, and before it.
    const justBefore = { transactionId: from.transactionId, position: from.position - 1 }
    const [current] = await tx.query<CheckpointRow>(
      `SELECT cursor_transaction_id::text AS transaction_id, cursor_position AS position, state
       FROM ${store.schema.quoted}.projections WHERE name = $1 AND version = $2`,
      [selection.name, selection.version],
    )
    const to = current && before(cursorOfRow(current), justBefore) ? cursorOfRow(current) : justBefore
    const moved = await move(tx, store, { name: selection.name, version: selection.version, to })
    return { retried: retried.map(toDeadLetter), move: moved }
  })
}

/**
 * Discards parked events for good: deletes their dead letters (all of the version's, or the one of
 * `eventId`) and nothing else. The projection never applies them unless it is replayed past them.
 *
 * @example
 * const dropped = await dropDeadLetters(store, { name: 'users', version: 1, eventId })
 */
export function dropDeadLetters(
  store: Pick<SqlEventStore, 'driver' | 'schema'>,
  selection: DeadLetterSelection,
): Promise<DeadLetter[]> {
  return store.driver.transaction(async (tx) => {
    const all = await selectDeadLetters(tx, store, selection)
    const dropped = selection.eventId === undefined ? all : all.filter((row) => row.event_id === selection.eventId)
    await deleteRows(tx, store, dropped)
    return dropped.map(toDeadLetter)
  })
}

/**
 * The cursor of the event at a global position: resume after it. Undefined when no event has that
 * position (positions of rolled-back appends are never used).
 *
 * @example
 * const to = await cursorAtPosition(store, 1200)
 */
export async function cursorAtPosition(
  store: Pick<SqlEventStore, 'driver' | 'schema'>,
  position: number,
): Promise<GlobalCursor | undefined> {
  const [row] = await store.driver.query<{ transaction_id: string }>(
    `SELECT transaction_id::text AS transaction_id FROM ${store.schema.quoted}.events WHERE global_position = $1`,
    [position],
  )
  return row ? { transactionId: Number(row.transaction_id), position } : undefined
}
