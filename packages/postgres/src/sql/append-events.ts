import {
  ANY_VERSION,
  type AppendResult,
  ConcurrencyError,
  type ExpectedVersion,
  NO_STREAM,
  type RecordedEvent,
  STREAM_EXISTS,
  type StreamConflict,
} from '@eventcore/core'
import { type AppendPlan, reusedIdsError, versionsAfter } from '@eventcore/core/store-kit'
import type { SchemaName } from '../schema-name.js'
import type { SqlConnection } from '../sql-driver.js'
import { appendAtKnownVersions, knownVersions } from './append-known.js'
import { statementName } from './rows.js'
import { streamVersion } from './stream-version.js'

/** A row of `append_events` (and, tagged, of `append_batch`). */
export interface AppendRow {
  readonly status: 'ok' | 'duplicate' | 'conflict' | 'reused'
  readonly stream_id: string
  readonly stream_version: string | number
  readonly global_position: string | number | null
  readonly transaction_id: string | null
  readonly recorded_at: Date | null
  readonly event_id: string | null
  readonly expected: string | number | null
}

// How the SQL encodes an expected version (see migration 1's append_events): n >= 0 exact.
const ANY = -1
const EXISTS = -2

/** An expected version as the SQL functions take it. */
export function encodeExpected(expected: ExpectedVersion): number {
  switch (expected) {
    case ANY_VERSION:
      return ANY
    case STREAM_EXISTS:
      return EXISTS
    case NO_STREAM:
      return 0
    default:
      return expected
  }
}

function decodeExpected(code: number): ExpectedVersion {
  if (code === ANY) return ANY_VERSION
  if (code === EXISTS) return STREAM_EXISTS
  return code
}

const headOf = (s: string, stream: string) =>
  `coalesce((SELECT max(e.stream_version) FROM ${s}.events e WHERE e.stream_id = ${stream}), 0)`
const matches = (expected: string, actual: string) =>
  `CASE WHEN ${expected} = -1 THEN true WHEN ${expected} = -2 THEN ${actual} > 0 ELSE ${actual} = ${expected} END`

/**
 * Appends to one stream with one plain statement (the commonest append, and the cheapest): the
 * expected version is checked against the stream's last version in the same statement. When it
 * does not match, nothing is inserted and no row comes back.
 */
function singleStreamSql(s: string): string {
  return `INSERT INTO ${s}.events AS e (event_id, stream_id, stream_version, type, schema_version, data, metadata)
SELECT x.id, $1, h.version + x.n, x.typ, x.sv, x.dat::jsonb, x.meta::jsonb
FROM (SELECT ${headOf(s, '$1')} AS version) AS h,
  unnest($3::uuid[], $4::text[], $5::integer[], $6::text[], $7::text[]) WITH ORDINALITY AS x(id, typ, sv, dat, meta, n)
WHERE ${matches('$2::bigint', 'h.version')}
ORDER BY x.n
RETURNING e.stream_version, e.global_position, e.transaction_id::text AS transaction_id, e.recorded_at`
}

/**
 * Appends to several streams with one plain statement: every expected version is checked, and the
 * events are inserted only when none has moved; otherwise the moved streams come back.
 */
function multiStreamSql(s: string): string {
  return `WITH checks AS (
  SELECT c.sid, c.exp, ${headOf(s, 'c.sid')} AS actual FROM unnest($1::text[], $2::bigint[]) AS c(sid, exp)
), conflicts AS (
  SELECT * FROM checks WHERE NOT ${matches('exp', 'actual')}
), input AS (
  SELECT x.*, ${headOf(s, 'x.sid')} + row_number() OVER (PARTITION BY x.sid ORDER BY x.n) AS ver
  FROM unnest($3::uuid[], $4::text[], $5::text[], $6::integer[], $7::text[], $8::text[])
    WITH ORDINALITY AS x(id, sid, typ, sv, dat, meta, n)
  WHERE NOT EXISTS (SELECT 1 FROM conflicts)
), inserted AS (
  INSERT INTO ${s}.events AS e (event_id, stream_id, stream_version, type, schema_version, data, metadata)
  SELECT i.id, i.sid, i.ver, i.typ, i.sv, i.dat::jsonb, i.meta::jsonb FROM input i ORDER BY i.n
  RETURNING e.event_id, e.stream_id, e.stream_version, e.global_position, e.transaction_id, e.recorded_at
)
SELECT 'conflict' AS status, sid AS stream_id, actual AS stream_version, NULL::bigint AS global_position,
  NULL::text AS transaction_id, NULL::timestamptz AS recorded_at, NULL::uuid AS event_id, exp AS expected
FROM conflicts
UNION ALL
SELECT 'ok', r.stream_id, r.stream_version, r.global_position, r.transaction_id::text, r.recorded_at, r.event_id, NULL
FROM inserted r
ORDER BY 4`
}

const statements = new Map<string, { single: string; multi: string }>()
function statementsFor(schema: SchemaName) {
  let found = statements.get(schema.quoted)
  if (!found) {
    found = { single: singleStreamSql(schema.quoted), multi: multiStreamSql(schema.quoted) }
    statements.set(schema.quoted, found)
  }
  return found
}

/**
 * Appends a checked plan in one round trip, atomically without an explicit transaction. Plain
 * statements serve the common shapes; event ids from the caller (idempotency) and streams that
 * are only read (locks) go through the `append_events` function.
 */
export async function appendEvents(db: SqlConnection, schema: SchemaName, plan: AppendPlan): Promise<AppendResult> {
  const versions = knownVersions(plan)
  if (versions) {
    const rows = await appendAtKnownVersions(db, schema, plan, versions)
    if (rows)
      return success(
        plan,
        rows.map((row, i) => ({ ...row, stream_version: versions[i] ?? 0 })),
        false,
      )
    // A stream was not where the writer expected: the general statement says which, and how far.
  }
  const { events, checks } = plan
  const written = new Set(plan.streams)
  const plain = !plan.idsSupplied && checks.every((c) => written.has(c.streamId))
  const [onlyStream] = plan.streams
  if (plain && plan.streams.length === 1 && onlyStream !== undefined) {
    return appendToOneStream(db, schema, plan, onlyStream)
  }
  const values = [
    checks.map((c) => c.streamId),
    checks.map((c) => encodeExpected(c.expected)),
    events.map((e) => e.eventId),
    events.map((e) => e.streamId),
    events.map((e) => e.type),
    events.map((e) => e.schemaVersion),
    events.map((e) => e.dataJson),
    events.map((e) => e.metadataJson),
  ]
  const rows = plain
    ? await db.query<AppendRow>(statementsFor(schema).multi, values, statementName(schema, 'append_multi'))
    : await db.query<AppendRow>(
        `SELECT * FROM ${schema.quoted}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [...values, plan.idsSupplied],
        statementName(schema, 'append'),
      )
  return answerOf(plan, rows)
}

/**
 * What `append_events` said about one append, as its caller gets it: the events written (or found
 * already written), or the streams that moved; event ids stored with other content are thrown as
 * a ValidationError.
 */
export function answerOf(plan: AppendPlan, rows: readonly AppendRow[]): AppendResult {
  const { events } = plan
  const status = rows[0]?.status
  if (status === 'conflict') {
    const conflicts: StreamConflict[] = rows.map((r) => ({
      streamId: r.stream_id,
      expected: decodeExpected(Number(r.expected)),
      actual: Number(r.stream_version),
    }))
    return { ok: false, error: new ConcurrencyError(conflicts) }
  }
  if (status === 'reused') {
    const reused = new Set(rows.map((r) => r.event_id))
    throw reusedIdsError(
      plan,
      events.map((e) => (reused.has(e.eventId) ? e : undefined)),
    )
  }
  return success(plan, rows, status === 'duplicate')
}

interface InsertedRow {
  readonly stream_id?: string
  readonly stream_version: string | number
  readonly global_position: string | number | null
  readonly transaction_id: string | null
  readonly recorded_at: Date | null
}

async function appendToOneStream(
  db: SqlConnection,
  schema: SchemaName,
  plan: AppendPlan,
  streamId: string,
): Promise<AppendResult> {
  const { events } = plan
  const expected = plan.checks.find((c) => c.streamId === streamId)?.expected ?? ANY_VERSION
  const rows = await db.query<InsertedRow>(
    statementsFor(schema).single,
    [
      streamId,
      encodeExpected(expected),
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.schemaVersion),
      events.map((e) => e.dataJson),
      events.map((e) => e.metadataJson),
    ],
    statementName(schema, 'append_single'),
  )
  if (rows.length === 0) {
    const actual = await streamVersion(db, schema, streamId)
    return { ok: false, error: new ConcurrencyError([{ streamId, expected, actual }]) }
  }
  return success(plan, rows, false)
}

function success(plan: AppendPlan, rows: readonly InsertedRow[], duplicate: boolean): AppendResult {
  const { events } = plan
  if (rows.length !== events.length) throw new Error(`append returned ${rows.length} rows for ${events.length} events`)
  const recorded = rows.map((row, i): RecordedEvent => {
    const event = events[i]
    if (!event) throw new Error('append returned more rows than events')
    return {
      eventId: event.eventId,
      streamId: event.streamId,
      streamVersion: Number(row.stream_version),
      globalPosition: Number(row.global_position),
      transactionId: Number(row.transaction_id),
      type: event.type,
      schemaVersion: event.schemaVersion,
      // The caller's own (checked) objects: what was stored is exactly their JSON.
      data: event.data,
      metadata: event.metadata,
      recordedAt: row.recorded_at as Date,
    } as RecordedEvent
  })
  return { ok: true, duplicate, events: recorded, versions: versionsAfter(recorded) }
}
