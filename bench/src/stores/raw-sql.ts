/**
 * The SQL of the raw baseline: what a careful engineer would write by hand for an event table.
 * One table, a unique (stream_id, version) that turns a stale write into an error, and the same
 * number of indexes as EventCore's table (position, event id, stream and version).
 */
export function rawSchemaSql(s: string): string {
  return `CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.events (
  position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  stream_id text NOT NULL,
  version bigint NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, version)
)`
}

const COLUMNS = 'position, event_id, stream_id, version, type, data, metadata, recorded_at'

/** A named statement: prepared on each connection the first time it runs there. */
export interface RawStatement {
  readonly name: string
  readonly text: string
}

/** The statements of the raw baseline, named per schema so two schemas never share a plan. */
export function rawStatements(s: string) {
  const statement = (operation: string, text: string): RawStatement => ({ name: `raw_${s}_${operation}`, text })
  return {
    insertOne: statement(
      'insert_one',
      `INSERT INTO ${s}.events (event_id, stream_id, version, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6)`,
    ),
    insertMany: statement(
      'insert_many',
      `INSERT INTO ${s}.events (event_id, stream_id, version, type, data, metadata)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::text[]::jsonb[], $6::text[]::jsonb[])`,
    ),
    readStream: statement('read_stream', `SELECT ${COLUMNS} FROM ${s}.events WHERE stream_id = $1 ORDER BY version`),
    readStreams: statement(
      'read_streams',
      `SELECT ${COLUMNS} FROM ${s}.events WHERE stream_id = ANY ($1) ORDER BY stream_id, version`,
    ),
    readAll: statement('read_all', `SELECT ${COLUMNS} FROM ${s}.events WHERE position > $1 ORDER BY position LIMIT $2`),
  }
}

/** The statements of one schema. */
export type RawStatements = ReturnType<typeof rawStatements>
