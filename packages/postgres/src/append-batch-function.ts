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
  event_data text[], event_metadata text[], ids_supplied boolean[]
) RETURNS TABLE (
  append_index integer, status text, stream_id text, stream_version bigint, global_position bigint,
  transaction_id text, recorded_at timestamptz, event_id uuid, expected bigint, error_code text, error_message text
) LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
  checks_before integer := 0;
  events_before integer := 0;
  failed_code text;
  failed_message text;
BEGIN
  FOR i IN 1 .. coalesce(cardinality(ids_supplied), 0) LOOP
    BEGIN
      -- append_events materializes its rows before this statement returns any: an append that
      -- fails adds none.
      RETURN QUERY SELECT i, r.status, r.stream_id, r.stream_version, r.global_position, r.transaction_id,
          r.recorded_at, r.event_id, r.expected, NULL::text, NULL::text
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
        ) AS r;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS failed_code = RETURNED_SQLSTATE, failed_message = MESSAGE_TEXT;
      RETURN QUERY SELECT i, 'error'::text, NULL::text, NULL::bigint, NULL::bigint, NULL::text,
        NULL::timestamptz, NULL::uuid, NULL::bigint, failed_code, failed_message;
    END;
    checks_before := checks_before + check_counts[i];
    events_before := events_before + event_counts[i];
  END LOOP;
END
$fn$;
`
}
