import { errorMessage } from '../error-message.js'
import { type ResultRow, rateOf, rateOfContender, type Section } from '../report/report.js'
import { measuredRow, notWorseTarget, rateTarget, ratioTarget } from '../report/targets.js'
import type { BenchStore } from '../stores/contender.js'
import { EVENTCORE_POSTGRES, EVENTCORE_POSTGRES_UNBATCHED, MEMORY_STORE } from '../stores/eventcore.js'
import { namespaceOf } from '../stores/namespaces.js'
import { PGBENCH_ROW, type PgbenchReference } from '../stores/pgbench.js'
import { timedLoad } from './load.js'
import { measureRow, type RowReference, type ScenarioContext } from './scenario.js'
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

/** pgbench's table in the run's schema for operation 1, or why there is none. */
async function openReference(context: ScenarioContext): Promise<PgbenchReference | { unavailable: string }> {
  const { pgbench, prefix } = context
  if ('unavailable' in pgbench) return pgbench
  try {
    return await pgbench.open(namespaceOf(prefix, 's1', 'pgb'))
  } catch (error) {
    return { unavailable: `pgbench could not be set up: ${errorMessage(error)}` }
  }
}

/** pgbench's row at a client count: the same measured time, whole seconds (its `-T`). */
function pgbenchRow(
  reference: PgbenchReference | { unavailable: string },
  clients: number,
  durationMs: number,
): RowReference {
  if ('unavailable' in reference) return { name: PGBENCH_ROW, role: 'reference', unavailable: reference.unavailable }
  const seconds = Math.max(1, Math.round(durationMs / 1000))
  return { name: PGBENCH_ROW, role: 'reference', measure: () => reference.measure(clients, seconds) }
}

const clientsLabel = (clients: number) => `${clients} client${clients === 1 ? '' : 's'}`

/** 1. One event to a new stream, expected version "no stream", at 1, 8 and 32 clients; pgbench beside it. */
export async function singleAppend(context: ScenarioContext): Promise<Section> {
  const rows: ResultRow[] = []
  const reference = await openReference(context)
  try {
    for (const clients of CLIENTS) {
      rows.push(
        ...(await measureRow(context, {
          group: String(clients),
          scenario: 's1',
          connections: clients,
          measure: (store) => timedLoad(context, clients, appendOne(store)),
          references: [pgbenchRow(reference, clients, context.settings.durationMs)],
        })),
      )
    }
  } finally {
    if (!('unavailable' in reference)) await reference.close()
  }
  const ratio = (group: string, over: number | undefined) => {
    const us = rateOf(rows, group, 'us')
    return us !== undefined && over ? us / over : undefined
  }
  const concurrent = CLIENTS.filter((clients) => clients > 1).flatMap((clients) => {
    const group = String(clients)
    return [
      ratioTarget(
        `EventCore single-event appends ≥ 1.5× raw at ${clientsLabel(clients)}`,
        ratio(group, rateOf(rows, group, 'raw')),
        1.5,
      ),
      ratioTarget(
        `EventCore single-event appends above pgbench at ${clientsLabel(clients)}`,
        ratio(group, rateOfContender(rows, group, PGBENCH_ROW)),
        1,
        { above: true },
      ),
    ]
  })
  const seconds = Math.max(1, Math.round(context.settings.durationMs / 1000))
  return {
    title: '1. Append one event to a new stream (expected version: no stream)',
    unit: 'appends/s',
    groupHeader: 'clients',
    rows,
    reference: { header: 'vs pgbench', contender: PGBENCH_ROW },
    notes: [
      "EventCore: store.append([{ streamId, events }], { expectedVersions: { [streamId]: 'no-stream' } }) with the store's defaults (group commit: appends arriving while a statement is in flight go out together, one statement and one commit); (groupCommit off): one statement and one commit per append.",
      'raw SQL: INSERT … VALUES at version 1, a named (prepared) statement; the unique (stream_id, version) stops a second writer; a pool client checked out and released per append.',
      `pgbench: PostgreSQL's own load generator (C, libpq) running a one-line script, INSERT INTO the raw table's copy (own schema) VALUES (gen_random_uuid(), 'order-' || gen_random_uuid(), 1, 'OrderPlaced', <the same ~80 bytes of JSON>, '{}'): one commit per row, -M prepared -n, -c = clients, -j = min(clients, cores), -T ${seconds} (whole seconds) after 50 transactions per client of warm-up; latencies from its per-transaction log (-l). The limit of one commit per append on this server.`,
      'Emmett: appendToStream(stream, [event], { expectedStreamVersion: 0n }): BEGIN, SELECT emt_append_to_stream(…), COMMIT, as SQL text.',
      'Every PostgreSQL contender has a pool of one connection per client; pgbench one connection per client.',
    ],
    targets: [
      ...concurrent,
      ratioTarget('EventCore single-event appends ≥ 0.9× raw at 1 client', ratio('1', rateOf(rows, '1', 'raw')), 0.9),
      notWorseTarget(
        'EventCore p99 at 1 client not worse than with groupCommit off',
        measuredRow(rows, '1', EVENTCORE_POSTGRES.name)?.latency.p99,
        measuredRow(rows, '1', EVENTCORE_POSTGRES_UNBATCHED.name)?.latency.p99,
      ),
      rateTarget(
        'memory store ≥ 200,000 single-event appends/s at 1 client',
        measuredRow(rows, '1', MEMORY_STORE)?.rate,
        200_000,
      ),
    ],
  }
}
