import { type ResultRow, rateOf, type Section } from '../report/report.js'
import { measuredRow, rateTarget, shareTarget } from '../report/targets.js'
import type { BenchStore } from '../stores/contender.js'
import { MEMORY_STORE } from '../stores/eventcore.js'
import { timedLoad } from './load.js'
import { measureRow, type ScenarioContext } from './scenario.js'
import { freshStreamId, orderEvents } from './workload.js'

const CLIENTS = [1, 8, 32] as const

/** Appends one event to a stream that does not exist yet, as a command creating an entity does. */
function appendOne(store: BenchStore) {
  return async () => {
    const streamId = freshStreamId('order')
    await store.appendToNewStream(streamId, orderEvents(streamId, 1))
    return 0
  }
}

/** 1. One event to a new stream, expected version "no stream", at 1, 8 and 32 clients. */
export async function singleAppend(context: ScenarioContext): Promise<Section> {
  const rows: ResultRow[] = []
  for (const clients of CLIENTS) {
    rows.push(
      ...(await measureRow(context, {
        group: String(clients),
        scenario: 's1',
        connections: clients,
        measure: (store) => timedLoad(context, clients, appendOne(store)),
      })),
    )
  }
  const shares = CLIENTS.map((clients) => {
    const us = rateOf(rows, String(clients), 'us')
    const raw = rateOf(rows, String(clients), 'raw')
    return shareTarget(
      `EventCore single-event appends ≥ 90 % of raw at ${clients} client${clients === 1 ? '' : 's'}`,
      us !== undefined && raw ? us / raw : undefined,
      0.9,
    )
  })
  return {
    title: '1. Append one event to a new stream (expected version: no stream)',
    unit: 'appends/s',
    groupHeader: 'clients',
    rows,
    notes: [
      "EventCore: store.append([{ streamId, events }], { expectedVersions: { [streamId]: 'no-stream' } }): one statement checks the head and inserts.",
      'raw SQL: INSERT … VALUES at version 1, a named (prepared) statement; the unique (stream_id, version) stops a second writer; a pool client checked out and released per append.',
      'Emmett: appendToStream(stream, [event], { expectedStreamVersion: 0n }): BEGIN, SELECT emt_append_to_stream(…), COMMIT, as SQL text.',
      'Every PostgreSQL contender has a pool of one connection per client.',
    ],
    targets: [
      ...shares,
      rateTarget(
        'memory store ≥ 200,000 single-event appends/s at 1 client',
        measuredRow(rows, '1', MEMORY_STORE)?.rate,
        200_000,
      ),
    ],
  }
}
