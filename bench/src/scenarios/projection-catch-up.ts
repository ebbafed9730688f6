import { depositStreams } from '../balances.js'
import type { BenchStore } from '../contender.js'
import { runProjectionCatchUp } from '../measure-projection.js'
import { type ResultRow, rateOf, type Section } from '../report.js'
import { measureRow, type ScenarioContext } from './scenario.js'
import { rateTarget } from './targets.js'

const ACCOUNTS = 10_000
const DEPOSITS_PER_ACCOUNT = 10
const TOTAL = ACCOUNTS * DEPOSITS_PER_ACCOUNT
const BATCH_SIZES = [100, 1000] as const
/** A turn stops at the first batch after this many times the configured measured time. */
const CAP_FACTOR = 2

/** Starts a new balances projection per turn (a new name, a new table), from the start of the log. */
function catchUpOnce(batchSize: number, capMs: number) {
  let turn = 0
  return (store: BenchStore) => {
    const { project } = store
    if (!project) throw new Error('this contender has no projection')
    turn += 1
    const name = `balances_${batchSize}_${turn}`
    return runProjectionCatchUp({
      expected: TOTAL,
      capMs,
      start: (onBatch) => project({ name, batchSize, runner: 'same-store', onBatch }),
    })
  }
}

/** 6. A projection catching up on 100,000 events into a PostgreSQL table, at batch sizes 100 and 1,000. */
export async function projectionCatchUp(context: ScenarioContext): Promise<Section> {
  const capMs = CAP_FACTOR * context.settings.durationMs
  const prepared = new Set<string>()
  const rows: ResultRow[] = []
  for (const batchSize of BATCH_SIZES) {
    rows.push(
      ...(await measureRow(context, {
        group: batchSize.toLocaleString('en-US'),
        scenario: 's6',
        connections: 1,
        requires: 'project',
        prepared,
        prepare: (store) => store.load(depositStreams(ACCOUNTS, DEPOSITS_PER_ACCOUNT)),
        measure: catchUpOnce(batchSize, capMs),
      })),
    )
  }
  const count = (n: number) => n.toLocaleString('en-US')
  return {
    title: `6. Catch-up projection of ${count(TOTAL)} events into a PostgreSQL table (upsert per event)`,
    unit: 'events/s',
    groupHeader: 'batch',
    rows,
    notes: [
      `The log: ${count(ACCOUNTS)} account streams of ${DEPOSITS_PER_ACCOUNT} Deposited events, loaded 1,000 events per append (100 streams each) before the first turn.`,
      `Each turn starts a new projection (new name, new table) from the start of the log and times it from the start until all ${count(TOTAL)} events are applied, or until the first batch committed after ${(capMs / 1000).toFixed(0)} s (then the note says how far it got; the rate is over what it applied). Latencies are per batch: read, apply, commit.`,
      'Read model: balances(stream_id text PRIMARY KEY, total bigint), one INSERT … ON CONFLICT (stream_id) DO UPDATE per event, a named (prepared) statement; the upserts and the checkpoint commit in one transaction per batch.',
      'EventCore: runProjection({ store, projections: createSqlProjectionStore(store), projection, batchSize }), handler: tx.query(upsert, [streamId, amount], name). Per batch: readAll on the pool, then BEGIN, ensure and lock the checkpoint (2 statements), the upserts, UPDATE the checkpoint, COMMIT.',
      'raw SQL (same shape, hand-written): SELECT … WHERE position > $1 ORDER BY position LIMIT batch, then BEGIN, the same upserts, UPDATE checkpoints SET position, COMMIT; one client per batch; no lease, no failure handling.',
      "Pools of one connection (EventCore's runner also holds a lease connection and a LISTEN connection outside it).",
    ],
    targets: BATCH_SIZES.map((batchSize) =>
      rateTarget(
        `EventCore catch-up ≥ 20,000 events/s into a PostgreSQL read model at batch ${count(batchSize)}`,
        rateOf(rows, count(batchSize), 'us'),
        20_000,
      ),
    ),
  }
}
