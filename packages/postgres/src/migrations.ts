import { appendFunctionV4 } from './append-function-v4.js'
import type { SchemaName } from './schema-name.js'
import type { SqlDriver } from './sql-driver.js'
import { storeError } from './store-errors.js'

/** One versioned step of the schema. Never edit a released one: add the next. */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: (schema: SchemaName) => string
}

/** Advisory-lock namespace for EventCore (the first key of the two-key lock functions). */
export const LOCK_NAMESPACE = 1_162_036_001
/** Advisory-lock namespace for migrations, apart from stream locks. */
const MIGRATION_NAMESPACE = LOCK_NAMESPACE + 1

/** The schema, in order. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'events and the append function',
    sql: ({ quoted: s }) => `
CREATE TABLE ${s}.events (
  global_position bigint GENERATED ALWAYS AS IDENTITY,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  event_id uuid NOT NULL,
  stream_id text NOT NULL,
  stream_version bigint NOT NULL,
  type text NOT NULL,
  schema_version integer NOT NULL DEFAULT 1,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT events_pkey PRIMARY KEY (event_id),
  CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
);
-- readAll walks this index: (transaction id, position) is the only order that never skips.
-- A stream's version is the last entry of events_stream_version_key (an index-only lookup), so
-- there is no table of stream heads to update on every append.
CREATE INDEX events_transaction_order ON ${s}.events (transaction_id, global_position);

-- Appends in one round trip. Expected versions: n >= 0 exact (0 = no events), -1 any, -2 exists.
-- Returns one row per stored event (status 'ok', or 'duplicate' for a retried batch), or one row
-- per moved stream (status 'conflict'), or the reused ids (status 'reused'); writes nothing then.
-- Two writers of one stream are kept apart by the unique (stream_id, stream_version): the second
-- fails and the caller runs the append again, which then reports the conflict. Streams that are
-- only read have no such guard, so an append that checks one locks all of its streams.
CREATE FUNCTION ${s}.append_events(
  check_streams text[], check_expected bigint[],
  event_ids uuid[], event_streams text[], event_types text[], schema_versions integer[],
  event_data text[], event_metadata text[], ids_supplied boolean
) RETURNS TABLE (
  status text, stream_id text, stream_version bigint, global_position bigint,
  transaction_id text, recorded_at timestamptz, event_id uuid, expected bigint
) LANGUAGE plpgsql
-- Every statement here is a keyed lookup. Generic plans skip planning on each call, and without
-- sequential scans a plan made while the tables were empty stays right as they grow.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $fn$
#variable_conflict use_column
DECLARE
  lock_key integer;
  found_ids integer;
BEGIN
  IF ids_supplied THEN
    SELECT count(*) INTO found_ids FROM ${s}.events e WHERE e.event_id = ANY (event_ids);
  ELSE
    found_ids := 0;
  END IF;
  IF found_ids > 0 THEN
    IF found_ids = cardinality(event_ids) AND NOT EXISTS (
      SELECT 1 FROM unnest(event_ids, event_streams, event_types, event_data) AS x(id, sid, typ, dat)
      JOIN ${s}.events e ON e.event_id = x.id
      WHERE e.stream_id <> x.sid OR e.type <> x.typ OR e.data <> x.dat::jsonb
    ) AND (SELECT count(DISTINCT e.transaction_id) FROM ${s}.events e WHERE e.event_id = ANY (event_ids)) = 1 THEN
      RETURN QUERY SELECT 'duplicate', e.stream_id, e.stream_version, e.global_position,
          e.transaction_id::text, e.recorded_at, e.event_id, NULL::bigint
        FROM unnest(event_ids) WITH ORDINALITY AS x(id, n) JOIN ${s}.events e ON e.event_id = x.id ORDER BY x.n;
    ELSE
      RETURN QUERY SELECT 'reused', e.stream_id, e.stream_version, e.global_position,
          e.transaction_id::text, e.recorded_at, e.event_id, NULL::bigint
        FROM ${s}.events e WHERE e.event_id = ANY (event_ids);
    END IF;
    RETURN;
  END IF;

  -- Lock in one global order (hash order) so that two appends never deadlock. A lock on a hash
  -- also covers a stream that does not exist yet; a collision only costs waiting.
  IF EXISTS (SELECT 1 FROM unnest(check_streams) AS c WHERE c <> ALL (event_streams)) THEN
    FOR lock_key IN
      SELECT DISTINCT hashtext(x) FROM unnest(check_streams || event_streams) AS x ORDER BY 1
    LOOP
      PERFORM pg_advisory_xact_lock(${LOCK_NAMESPACE}, lock_key);
    END LOOP;
  END IF;

  RETURN QUERY
    SELECT 'conflict', c.sid, c.actual, NULL::bigint, NULL::text, NULL::timestamptz, NULL::uuid, c.exp
    FROM (
      SELECT sid, exp, coalesce((SELECT max(e.stream_version) FROM ${s}.events e WHERE e.stream_id = sid), 0) AS actual
      FROM unnest(check_streams, check_expected) AS u(sid, exp)
    ) AS c
    WHERE CASE WHEN c.exp = -1 THEN false WHEN c.exp = -2 THEN c.actual = 0 ELSE c.actual <> c.exp END;
  IF FOUND THEN
    RETURN;
  END IF;

  RETURN QUERY
    WITH input AS (
      SELECT x.*, coalesce((SELECT max(e.stream_version) FROM ${s}.events e WHERE e.stream_id = x.sid), 0)
          + row_number() OVER (PARTITION BY x.sid ORDER BY x.n) AS ver
      FROM unnest(event_ids, event_streams, event_types, schema_versions, event_data, event_metadata)
        WITH ORDINALITY AS x(id, sid, typ, sv, dat, meta, n)
    ), inserted AS (
      INSERT INTO ${s}.events AS e (event_id, stream_id, stream_version, type, schema_version, data, metadata)
      SELECT i.id, i.sid, i.ver, i.typ, i.sv, i.dat::jsonb, i.meta::jsonb FROM input i ORDER BY i.n
      RETURNING e.event_id, e.stream_id, e.stream_version, e.global_position, e.transaction_id, e.recorded_at
    )
    SELECT 'ok', r.stream_id, r.stream_version, r.global_position, r.transaction_id::text, r.recorded_at,
      r.event_id, NULL::bigint
    FROM inserted r ORDER BY r.global_position;
END
$fn$;
`,
  },
  {
    version: 2,
    name: 'projection checkpoints and dead letters',
    sql: ({ quoted: s }) => `
CREATE TABLE ${s}.projections (
  name text NOT NULL,
  version integer NOT NULL,
  cursor_transaction_id xid8 NOT NULL DEFAULT '0',
  cursor_position bigint NOT NULL DEFAULT 0,
  state text NOT NULL DEFAULT 'idle',
  active boolean NOT NULL DEFAULT false,
  processed bigint NOT NULL DEFAULT 0,
  last_error text,
  last_error_event_id uuid,
  last_error_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version)
);
-- One version of a projection serves reads at a time.
CREATE UNIQUE INDEX projections_one_active ON ${s}.projections (name) WHERE active;

CREATE TABLE ${s}.dead_letters (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  projection text NOT NULL,
  version integer NOT NULL,
  event_id uuid NOT NULL,
  global_position bigint NOT NULL,
  error text NOT NULL,
  attempts integer NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letters_projection ON ${s}.dead_letters (projection, version);
`,
  },
  {
    version: 3,
    name: 'idempotency keys',
    sql: ({ quoted: s }) => `
-- One row per (caller, Idempotency-Key): 'in-progress' while the first request runs (attempt names
-- it, so a late finish of an abandoned attempt cannot overwrite its successor), then 'done' with
-- the response a retry is answered with.
CREATE TABLE ${s}.idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  attempt text NOT NULL,
  state text NOT NULL CHECK (state IN ('in-progress', 'done')),
  status integer,
  headers jsonb,
  body text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
-- The clean-up deletes expired rows in small batches, oldest first.
CREATE INDEX idempotency_keys_expiry ON ${s}.idempotency_keys (expires_at);
`,
  },
  {
    version: 4,
    name: 'append numbers events from the checked version',
    sql: (schema) => appendFunctionV4(schema, LOCK_NAMESPACE),
  },
]

/** The highest migration version this code knows. */
export const LATEST_VERSION = migrations.at(-1)?.version ?? 0

/**
 * Brings a schema up to date in one transaction: every missing migration runs and is recorded in
 * `<schema>.migrations`, or none is. Safe from many processes at once: a transaction-level advisory
 * lock lets one in at a time, and the next one finds the work done.
 */
export async function migrate(driver: SqlDriver, schema: SchemaName): Promise<{ applied: number[] }> {
  return driver.transaction(async (db) => {
    await db.query('SELECT pg_advisory_xact_lock($1, $2)', [MIGRATION_NAMESPACE, 0])
    await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema.quoted}`)
    await db.query(
      `CREATE TABLE IF NOT EXISTS ${schema.quoted}.migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    )
    const done = new Set(
      (await db.query<{ version: number }>(`SELECT version FROM ${schema.quoted}.migrations`)).map((r) => r.version),
    )
    const applied: number[] = []
    for (const migration of migrations) {
      if (done.has(migration.version)) continue
      await db.query(migration.sql(schema))
      await db.query(`INSERT INTO ${schema.quoted}.migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ])
      applied.push(migration.version)
    }
    return { applied }
  })
}

/** Migrates on open; a store that cannot migrate closes its driver and reports why. */
export async function migrateOrClose(driver: SqlDriver, schema: SchemaName): Promise<void> {
  try {
    await migrate(driver, schema)
  } catch (error) {
    await driver.close()
    throw storeError('migrate', error)
  }
}

/** The versions recorded in a schema; empty when it was never migrated. */
export async function appliedMigrations(driver: SqlDriver, schema: SchemaName): Promise<number[]> {
  const rows = await driver
    .query<{ version: number }>(`SELECT version FROM ${schema.quoted}.migrations ORDER BY version`)
    .catch((error: { code?: string }) => {
      if (error.code === '42P01' || error.code === '3F000') return []
      throw error
    })
  return rows.map((r) => r.version)
}
