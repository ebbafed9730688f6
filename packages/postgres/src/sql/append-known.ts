import { NO_STREAM } from '@eventcore/core'
import type { AppendPlan } from '@eventcore/core/store-kit'
import type { SchemaName } from '../schema-name.js'
import type { SqlConnection } from '../sql-driver.js'
import { statementName } from './rows.js'

/** A row the known-version statements return, one per inserted event. */
export interface KnownRow {
  readonly global_position: string | number
  readonly transaction_id: string
  readonly recorded_at: Date
}

/**
 * The version each event will take, when the plan allows the cheapest append: every checked stream
 * is written, and every written stream has an exact expected version. Then nothing needs looking up
 * first: event k of a stream expected at v gets v + k. Caller-supplied ids take this path too (the
 * executor gives every event its id before the first try): an id already stored — a retried batch
 * whose first try committed — hits the primary key, and the general statement then answers
 * `duplicate` (or names the reused id).
 */
export function knownVersions(plan: AppendPlan): number[] | undefined {
  const next = new Map<string, number>()
  for (const { streamId, expected } of plan.checks) {
    if (typeof expected !== 'number' && expected !== NO_STREAM) return undefined
    next.set(streamId, expected === NO_STREAM ? 0 : expected)
  }
  if (next.size !== plan.streams.length) return undefined // a stream only read, or one written unchecked
  const versions: number[] = []
  for (const event of plan.events) {
    const version = (next.get(event.streamId) ?? Number.NaN) + 1
    if (Number.isNaN(version)) return undefined
    next.set(event.streamId, version)
    versions.push(version)
  }
  return versions
}

const RETURNING = 'RETURNING global_position, transaction_id::text AS transaction_id, recorded_at'

// The guard: every stream is at its expected version (version v exists, or v = 0). A stream that
// moved past it makes the insert hit the unique (stream_id, stream_version) instead.
function oneEventSql(s: string): string {
  return `INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata)
SELECT $1::uuid, $2::text, $3::bigint, $4::text, $5::integer, $6::jsonb, $7::jsonb
WHERE $3::bigint = 1 OR EXISTS (SELECT 1 FROM ${s}.events e WHERE e.stream_id = $2::text AND e.stream_version = $3::bigint - 1)
${RETURNING}`
}

function manyEventsSql(s: string): string {
  return `INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata)
SELECT x.id, x.sid, x.ver, x.typ, x.sv, x.dat::jsonb, x.meta::jsonb
FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::integer[], $6::text[], $7::text[])
  WITH ORDINALITY AS x(id, sid, ver, typ, sv, dat, meta, n)
WHERE NOT EXISTS (
  SELECT 1 FROM unnest($8::text[], $9::bigint[]) AS c(sid, exp)
  WHERE c.exp > 0 AND NOT EXISTS (SELECT 1 FROM ${s}.events e WHERE e.stream_id = c.sid AND e.stream_version = c.exp)
)
ORDER BY x.n
${RETURNING}`
}

const texts = new Map<string, { one: string; many: string }>()

/**
 * Inserts at versions known in advance, in one plain statement. Returns the rows in the order of
 * the plan's events, or `undefined` when a stream was not at its expected version (nothing was
 * written): the caller then asks the general statement, which names the streams that moved.
 */
export async function appendAtKnownVersions(
  db: SqlConnection,
  schema: SchemaName,
  plan: AppendPlan,
  versions: readonly number[],
): Promise<KnownRow[] | undefined> {
  let sql = texts.get(schema.quoted)
  if (!sql) {
    sql = { one: oneEventSql(schema.quoted), many: manyEventsSql(schema.quoted) }
    texts.set(schema.quoted, sql)
  }
  const { events, checks } = plan
  const [only] = events
  let rows: KnownRow[]
  try {
    rows =
      events.length === 1 && only
        ? await db.query<KnownRow>(
            sql.one,
            [only.eventId, only.streamId, versions[0], only.type, only.schemaVersion, only.dataJson, only.metadataJson],
            statementName(schema, 'append_one'),
          )
        : await db.query<KnownRow>(
            sql.many,
            [
              events.map((e) => e.eventId),
              events.map((e) => e.streamId),
              versions,
              events.map((e) => e.type),
              events.map((e) => e.schemaVersion),
              events.map((e) => e.dataJson),
              events.map((e) => e.metadataJson),
              checks.map((c) => c.streamId),
              checks.map((c) => (c.expected === NO_STREAM ? 0 : c.expected)),
            ],
            statementName(schema, 'append_many'),
          )
  } catch (error) {
    if ((error as { code?: unknown }).code === '23505') return undefined // a concurrent append won
    throw error
  }
  if (rows.length === 0) return undefined
  // Positions were taken in the order of the plan's events.
  return rows.length > 1 ? rows.sort((a, b) => Number(a.global_position) - Number(b.global_position)) : rows
}
