/**
 * The text of the `append_events` function, as migrations 1 and 4 create it: they differ only in
 * how new events are numbered (see append-function-v4.ts). Migrations are history: the text each
 * produces must never change, and the migration snapshot test holds it to that.
 *
 * @example
 * appendEventsFunction(schemaName('eventcore'), { create: 'CREATE FUNCTION', lockNamespace, numbering })
 */
export function appendEventsFunction(
  { quoted: s }: { readonly quoted: string },
  options: {
    /** `CREATE FUNCTION`, or `CREATE OR REPLACE FUNCTION` for a later version. */
    readonly create: 'CREATE FUNCTION' | 'CREATE OR REPLACE FUNCTION'
    readonly lockNamespace: number
    /** The start of the SELECT that numbers the events, up to the version they count from. */
    readonly numbering: (s: string) => string
  },
): string {
  const { create, lockNamespace, numbering } = options
  return `${create} ${s}.append_events(
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
      PERFORM pg_advisory_xact_lock(${lockNamespace}, lock_key);
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
      ${numbering(s)} 0)
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
`
}

/** Migration 1's numbering: from the stream's latest version as the INSERT sees it. */
export function numberFromLatest(s: string): string {
  return `SELECT x.*, coalesce((SELECT max(e.stream_version) FROM ${s}.events e WHERE e.stream_id = x.sid),`
}

/** Migration 4's numbering: from the version the check accepted (see append-function-v4.ts). */
export function numberFromChecked(s: string): string {
  return `-- From the version the check accepted, never from a fresh look: under READ COMMITTED this
      -- statement sees commits the check did not, and a stream that moved in between must make
      -- the insert hit the unique (stream_id, stream_version), not land after the newcomer.
      SELECT x.*, coalesce(
            (SELECT c.exp FROM unnest(check_streams, check_expected) AS c(sid, exp) WHERE c.sid = x.sid AND c.exp >= 0 LIMIT 1),
            (SELECT max(e.stream_version) FROM ${s}.events e WHERE e.stream_id = x.sid),
           `
}
