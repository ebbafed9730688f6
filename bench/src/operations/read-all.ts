import { rateOf, type Section } from '../report/report.js'
import { rateTarget } from '../report/targets.js'
import type { BenchStore } from '../stores/contender.js'
import { runCatchUp } from './measure.js'
import { measureRow, type ScenarioContext } from './scenario.js'
import { orderEvents } from './workload.js'

const STREAMS = 1000
const EVENTS_PER_STREAM = 100
const TOTAL = STREAMS * EVENTS_PER_STREAM
const PAGE = 1000
const WARMUP_PAGES = 3

async function catchUpOnce(store: BenchStore) {
  const { catchUp } = store
  if (!catchUp) throw new Error('this contender has no global read')
  const warmup = catchUp(PAGE)
  for (let page = 0; page < WARMUP_PAGES; page++) await warmup()
  return runCatchUp({ nextPage: catchUp(PAGE), pageSize: PAGE, expected: TOTAL })
}

/** 5. A consumer catching up from the start over 100,000 events, in pages of 1,000. */
export async function readAll(context: ScenarioContext): Promise<Section> {
  const rows = await measureRow(context, {
    group: '1',
    scenario: 's5',
    connections: 1,
    requires: 'readAll',
    prepare: (store) =>
      store.load(
        Array.from({ length: STREAMS }, (_, i) => {
          const streamId = `order-${i}`
          return { streamId, events: orderEvents(streamId, EVENTS_PER_STREAM) }
        }),
      ),
    measure: catchUpOnce,
  })
  return {
    title: `5. Catch up on the global log: ${TOTAL.toLocaleString('en-US')} events in pages of ${PAGE.toLocaleString('en-US')}`,
    unit: 'events/s',
    groupHeader: 'clients',
    rows,
    notes: [
      'Latencies are per page. The log holds exactly these events (a fresh schema); each catch-up reads from the start until a short page.',
      'EventCore: store.readAll({ after: cursor, limit }): rows of finished transactions only, in (transaction id, position) order, so a late commit is never skipped.',
      'raw SQL: SELECT … WHERE position > $1 ORDER BY position LIMIT 1000 (named); fast, but it skips events whose transaction commits after a later position was read.',
      'Emmett: readMessagesBatch(execute, { after, batchSize }), the exported batch read its consumers poll with (it also waits for pg_snapshot_xmin, but its cursor is the position alone).',
    ],
    targets: [rateTarget('EventCore readAll ≥ 50,000 events/s', rateOf(rows, '1', 'us'), 50_000)],
  }
}
