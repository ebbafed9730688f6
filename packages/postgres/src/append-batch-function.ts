/**
 * Migration 5's SQL: `append_batch`, which runs several appends in one statement (one transaction,
 * one commit) for group commit (see group-commit.ts). The appends come flattened into arrays, with
 * how many checks and events each has; each runs through `append_events`, in order, so it has
 * exactly that function's semantics, and sees the appends before it in the batch (two appends to
 * one stream behave as if sent one after the other).
 *
 * Each append runs in its own BEGIN … EXCEPTION block: a subtransaction, so an append that fails in
 * the database (a unique violation from a concurrent writer, a value PostgreSQL refuses) is rolled
 * back alone and reported with its SQLSTATE and message, while the others commit. Only a
 * subtransaction that writes takes a subtransaction id, and a rolled-back one gives it back: a
 * batch of at most 64 appends stays within PostgreSQL's per-backend cache of 64 (beyond it, every
 * snapshot on the server slows while the transaction runs). A query cancel (statement timeout) is
 * not caught: it fails the whole batch, as it would fail one append.
 *
 * The log is read in (transaction id, position) order. A lone append builds only on what committed
 * before it took its transaction id, so what it built on comes before it in that order. A batch
 * takes its id at its first write, and under READ COMMITTED each later append of the batch sees
 * what committed since, possibly by transactions with later ids: such an append (one that wrote,
 * and whose streams' latest events, other than the batch's own, have a later transaction id) is
 * rolled back and reported as a unique violation, which the store runs again in a later
 * transaction, exactly as when a concurrent writer took its version first.
 *
 * Returns the rows `append_events` returns, tagged with the append's index (from 1), or one row of
 * status 'error' with `error_code` and `error_message` for an append that failed.
 *
 * @example
 * appendBatchFunction(schemaName('eventcore')) // 'CREATE FUNCTION "eventcore".append_batch(…'
 */
export function appendBatchFunction({ quoted: s }: { readonly quoted: string }): string {
  return `
-- Group commit: several appends in one transaction, each in a subtransaction of its own (see append-batch-function.ts).
CREATE FUNCTION ${s}.append_batch(
  check_counts integer[], check_streams text[], check_expected bigint[],
  event_counts integer[], event_ids uuid[], event_streams text[], event_types text[], schema_versions integer[],
  event_data text[], event_metadata text[], ids_supplied boolean[],
  fast boolean[], event_appends integer[], event_versions bigint[]
) RETURNS TABLE (
  append_index integer, status text, stream_id text, stream_version bigint, global_position bigint,
  transaction_id text, recorded_at timestamptz, event_id uuid, expected bigint, error_code text, error_message text
) LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $fn$
#variable_conflict use_column
DECLARE
  checks_before integer := 0;
  events_before integer := 0;
  own_xid xid8;
  got_status text[];
  got_stream text[];
  got_version bigint[];
  got_position bigint[];
  got_xid text[];
  got_at timestamptz[];
  got_id uuid[];
  got_expected bigint[];
  failed boolean;
  failed_code text;
  failed_message text;
  fast_appends integer[] := '{}';
BEGIN
  -- The fast appends (versions known in advance, streams no other append of the batch touches) go
  -- in one INSERT, as a lone append's plain statement would: an append whose streams are not where
  -- it expects is left to the loop below, which says how. Any error rolls this step back whole,
  -- and every append then goes through the loop.
  IF true = ANY (fast) THEN
    BEGIN
      WITH x AS (
        SELECT * FROM unnest(event_appends, event_ids, event_streams, event_types, schema_versions, event_data,
            event_metadata, event_versions) WITH ORDINALITY AS x(a, id, sid, typ, sv, dat, meta, ver, n)
        WHERE fast[x.a]
      ), firsts AS (
        SELECT x.a, x.sid, min(x.ver) AS first FROM x GROUP BY x.a, x.sid
      ), blocked AS (
        SELECT f.a FROM firsts f
        WHERE NOT (f.first = 1 OR EXISTS (
            SELECT 1 FROM ${s}.events e WHERE e.stream_id = f.sid AND e.stream_version = f.first - 1))
          OR EXISTS (SELECT 1 FROM ${s}.events e WHERE e.stream_id = f.sid AND e.stream_version = f.first)
      ), inserted AS (
        INSERT INTO ${s}.events AS e (event_id, stream_id, stream_version, type, schema_version, data, metadata)
        SELECT x.id, x.sid, x.ver, x.typ, x.sv, x.dat::jsonb, x.meta::jsonb FROM x
        WHERE x.a NOT IN (SELECT b.a FROM blocked b)
        ORDER BY x.n
        RETURNING e.event_id, e.stream_id, e.stream_version, e.global_position, e.transaction_id, e.recorded_at
      )
      SELECT array_agg(x.a ORDER BY x.n), array_agg(r.stream_id ORDER BY x.n), array_agg(r.stream_version ORDER BY x.n),
          array_agg(r.global_position ORDER BY x.n), array_agg(r.transaction_id::text ORDER BY x.n),
          array_agg(r.recorded_at ORDER BY x.n), array_agg(r.event_id ORDER BY x.n)
        INTO fast_appends, got_stream, got_version, got_position, got_xid, got_at, got_id
        FROM inserted r JOIN x ON x.id = r.event_id;
      fast_appends := coalesce(fast_appends, '{}');
    EXCEPTION WHEN OTHERS THEN
      fast_appends := '{}';
    END;
    RETURN QUERY SELECT u.a, 'ok'::text, u.sid, u.ver, u.pos, u.xid, u.at, u.id, NULL::bigint, NULL::text, NULL::text
      FROM unnest(fast_appends, got_stream, got_version, got_position, got_xid, got_at, got_id)
        AS u(a, sid, ver, pos, xid, at, id);
  END IF;

  FOR i IN 1 .. coalesce(cardinality(ids_supplied), 0) LOOP
    IF i = ANY (fast_appends) THEN
      checks_before := checks_before + check_counts[i];
      events_before := events_before + event_counts[i];
      CONTINUE;
    END IF;
    -- Set once the batch has written: from then on it has its transaction id.
    own_xid := pg_current_xact_id_if_assigned();
    failed := false;
    BEGIN
      SELECT array_agg(r.status ORDER BY r.n), array_agg(r.stream_id ORDER BY r.n),
          array_agg(r.stream_version ORDER BY r.n), array_agg(r.global_position ORDER BY r.n),
          array_agg(r.transaction_id ORDER BY r.n), array_agg(r.recorded_at ORDER BY r.n),
          array_agg(r.event_id ORDER BY r.n), array_agg(r.expected ORDER BY r.n)
        INTO got_status, got_stream, got_version, got_position, got_xid, got_at, got_id, got_expected
        FROM ${s}.append_events(
          check_streams[checks_before + 1 : checks_before + check_counts[i]],
          check_expected[checks_before + 1 : checks_before + check_counts[i]],
          event_ids[events_before + 1 : events_before + event_counts[i]],
          event_streams[events_before + 1 : events_before + event_counts[i]],
          event_types[events_before + 1 : events_before + event_counts[i]],
          schema_versions[events_before + 1 : events_before + event_counts[i]],
          event_data[events_before + 1 : events_before + event_counts[i]],
          event_metadata[events_before + 1 : events_before + event_counts[i]],
          ids_supplied[i]
        ) WITH ORDINALITY AS r(status, stream_id, stream_version, global_position, transaction_id, recorded_at,
          event_id, expected, n);
      -- The log is read in transaction id order, and a lone append only builds on what committed
      -- before it took its id. This batch took its id before this append looked: if a transaction
      -- with a later id committed to one of its streams since, this append would come before
      -- what it built on. It is rolled back and reported as a collision, and the store runs it
      -- again, in a later transaction.
      IF own_xid IS NOT NULL AND got_status[1] = 'ok' AND EXISTS (
        SELECT 1
        FROM unnest(check_streams[checks_before + 1 : checks_before + check_counts[i]]
            || event_streams[events_before + 1 : events_before + event_counts[i]]) AS g(sid)
        CROSS JOIN LATERAL (
          SELECT e.transaction_id FROM ${s}.events e
          WHERE e.stream_id = g.sid AND e.transaction_id <> own_xid
          ORDER BY e.stream_version DESC LIMIT 1
        ) AS latest
        WHERE latest.transaction_id > own_xid
      ) THEN
        RAISE EXCEPTION 'a transaction with a later id wrote to a stream of this append first'
          USING ERRCODE = 'unique_violation';
      END IF;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS failed_code = RETURNED_SQLSTATE, failed_message = MESSAGE_TEXT;
      failed := true;
    END;
    IF failed THEN
      RETURN QUERY SELECT i, 'error'::text, NULL::text, NULL::bigint, NULL::bigint, NULL::text,
        NULL::timestamptz, NULL::uuid, NULL::bigint, failed_code, failed_message;
    ELSE
      RETURN QUERY SELECT i, u.*, NULL::text, NULL::text
        FROM unnest(got_status, got_stream, got_version, got_position, got_xid, got_at, got_id, got_expected) AS u;
    END IF;
    checks_before := checks_before + check_counts[i];
    events_before := events_before + event_counts[i];
  END LOOP;
END
$fn$;
`
}
