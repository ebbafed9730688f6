import type { AppendResult } from '@eventcore/core'
import type { AppendPlan } from '@eventcore/core/store-kit'
import type { SchemaName } from '../schema-name.js'
import type { SqlConnection } from '../sql-driver.js'
import { type AppendRow, answerOf, encodeExpected } from './append-events.js'
import { knownVersions } from './append-known.js'
import { statementName } from './rows.js'

/** One append's part of a batch: its answer, or the error its caller gets (as a lone append would throw it). */
export type BatchOutcome =
  | { readonly ok: true; readonly result: AppendResult }
  | { readonly ok: false; readonly error: unknown }

interface BatchRow extends Omit<AppendRow, 'status'> {
  readonly status: AppendRow['status'] | 'error'
  readonly append_index: number
  readonly error_code: string | null
  readonly error_message: string | null
}

/**
 * Runs several checked appends in one statement, one transaction (migration 5's `append_batch`):
 * each with exactly `append_events`' semantics, in order, and each atomic on its own. Resolves with
 * one outcome per plan, in order: an append the database refused carries an error with the
 * SQLSTATE and message PostgreSQL gave, like the driver's (a unique violation, a value refused);
 * rejects only when the statement itself failed (the connection was lost, the statement timed out).
 *
 * @example
 * const outcomes = await appendBatch(driver, schema, [planA, planB])
 */
export async function appendBatch(
  db: SqlConnection,
  schema: SchemaName,
  plans: readonly AppendPlan[],
): Promise<BatchOutcome[]> {
  const checks = plans.flatMap((p) => p.checks)
  const events = plans.flatMap((p) => p.events)
  const versions = fastVersions(plans)
  const rows = await db.query<BatchRow>(
    `SELECT * FROM ${schema.quoted}.append_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      plans.map((p) => p.checks.length),
      checks.map((c) => c.streamId),
      checks.map((c) => encodeExpected(c.expected)),
      plans.map((p) => p.events.length),
      events.map((e) => e.eventId),
      events.map((e) => e.streamId),
      events.map((e) => e.type),
      events.map((e) => e.schemaVersion),
      events.map((e) => e.dataJson),
      events.map((e) => e.metadataJson),
      plans.map((p) => p.idsSupplied),
      versions.map((v) => v !== undefined),
      plans.flatMap((p, i) => p.events.map(() => i + 1)),
      versions.flatMap((v, i) => v ?? plans[i]?.events.map(() => 0) ?? []),
    ],
    statementName(schema, 'append_batch'),
  )
  const rowsOf = plans.map((): BatchRow[] => [])
  for (const row of rows) rowsOf[Number(row.append_index) - 1]?.push(row)
  return plans.map((plan, i): BatchOutcome => {
    const own = rowsOf[i] ?? []
    const failed = own.find((row) => row.status === 'error')
    if (failed) return { ok: false, error: databaseError(failed) }
    try {
      return { ok: true, result: answerOf(plan, own.filter(isAnswer)) }
    } catch (error) {
      return { ok: false, error }
    }
  })
}

/**
 * The versions of each append's events when the batch may insert it in its one plain INSERT: its
 * versions are known in advance (see knownVersions) and no other append of the batch touches its
 * streams, so the order of the appends does not matter to it. Otherwise `undefined`.
 */
function fastVersions(plans: readonly AppendPlan[]): Array<number[] | undefined> {
  const touches = new Map<string, number>()
  for (const plan of plans)
    for (const streamId of new Set([...plan.streams, ...plan.checks.map((c) => c.streamId)]))
      touches.set(streamId, (touches.get(streamId) ?? 0) + 1)
  return plans.map((plan) =>
    plan.streams.every((streamId) => touches.get(streamId) === 1) ? knownVersions(plan) : undefined,
  )
}

const isAnswer = (row: BatchRow): row is BatchRow & AppendRow => row.status !== 'error'

// The error as the driver reports one from the server: PostgreSQL's message, with its SQLSTATE as `code`.
function databaseError(row: BatchRow): Error {
  return Object.assign(new Error(row.error_message ?? 'append failed'), { code: row.error_code ?? undefined })
}
