import { appendEventsFunction, numberFromChecked } from './append-events-function.js'

/**
 * Migration 4's SQL: `append_events` again, with one change. Migration 1's version numbered new
 * events from the stream's latest version as the INSERT saw it, in a statement after the version
 * check; under READ COMMITTED a writer that committed between the two made the stale append land
 * after it (measured: 23 of 300 rounds of 8 racing writers let two through). Events of a stream
 * with an exact expected version are now numbered from that version, so the stale writer hits the
 * unique (stream_id, stream_version) and is told it conflicted.
 *
 * @example
 * appendFunctionV4(schemaName('eventcore'), LOCK_NAMESPACE) // 'CREATE OR REPLACE FUNCTION "eventcore".append_events(…'
 */
export function appendFunctionV4({ quoted: s }: { readonly quoted: string }, lockNamespace: number): string {
  return `
-- Migration 1's function, numbering events from the checked version (see append-function-v4.ts).
${appendEventsFunction({ quoted: s }, { create: 'CREATE OR REPLACE FUNCTION', lockNamespace, numbering: numberFromChecked })}`
}
