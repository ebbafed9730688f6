import { isMeasured } from '../measure/measurement.js'
import { measureRow, type ScenarioContext } from '../operations/scenario.js'
import type { ResultRow, Section } from '../report/report.js'
import { bestOfRole, rateTarget } from '../report/targets.js'
import type { BenchStore, Contender } from '../stores/contender.js'
import { depositStreams } from './balances.js'
import { runProjectionCatchUp } from './measure-catch-up.js'

const ACCOUNTS = 10_000
const DEPOSITS_PER_ACCOUNT = 10
const TOTAL = ACCOUNTS * DEPOSITS_PER_ACCOUNT
const BATCH_SIZES = [100, 1000] as const
/** A turn stops at the first batch after this many times the configured measured time. */
const CAP_FACTOR = 2

/** The per-batch rows: EventCore with `handleBatch`, raw with one upsert per page. */
const BATCHED_NAMES: Readonly<Partial<Record<Contender['role'], string>>> = {
  us: 'EventCore PostgreSQL (handleBatch)',
  raw: 'raw SQL (pg), one upsert per page',
}
const RAW_BATCHED = BATCHED_NAMES.raw ?? ''

/**
 * The contender again, its projection writing one multi-row upsert per batch (`apply: 'per-batch'`).
 * Same key, so the same schema and log as the per-event row.
 */
function perBatch(contender: Contender, name: string): Contender {
  return {
    ...contender,
    name,
    async open(options) {
      const store = await contender.open(options)
      const { project } = store
      return project ? { ...store, project: (o) => project({ ...o, apply: 'per-batch' }) } : store
    },
  }
}

/** The contenders, each PostgreSQL one (ours and raw) followed by its per-batch variant. */
function withPerBatchRows(contenders: readonly Contender[]): Contender[] {
  return contenders.flatMap((contender) => {
    const name = BATCHED_NAMES[contender.role]
    return name ? [contender, perBatch(contender, name)] : [contender]
  })
}

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
  const batched = new Set(Object.values(BATCHED_NAMES))
  for (const batchSize of BATCH_SIZES) {
    const measured = await measureRow(
      { ...context, contenders: withPerBatchRows(context.contenders) },
      {
        group: batchSize.toLocaleString('en-US'),
        scenario: 's6',
        connections: 1,
        requires: 'project',
        prepared,
        prepare: (store) => store.load(depositStreams(ACCOUNTS, DEPOSITS_PER_ACCOUNT)),
        measure: catchUpOnce(batchSize, capMs),
      },
    )
    // The per-batch rows compare with the per-batch raw row, the per-event ones with the per-event raw row.
    rows.push(...measured.map((row) => (batched.has(row.contender) ? { ...row, vsRaw: RAW_BATCHED } : row)))
  }
  const count = (n: number) => n.toLocaleString('en-US')
  return {
    title: `6. Catch-up projection of ${count(TOTAL)} events into a PostgreSQL table (upsert per event, or one per batch)`,
    unit: 'events/s',
    groupHeader: 'batch',
    rows,
    notes: [
      `The log: ${count(ACCOUNTS)} account streams of ${DEPOSITS_PER_ACCOUNT} Deposited events, loaded 1,000 events per append (100 streams each) before the first turn.`,
      `Each turn starts a new projection (new name, new table) from the start of the log and times it from the start until all ${count(TOTAL)} events are applied, or until the first batch committed after ${(capMs / 1000).toFixed(0)} s (then the note says how far it got; the rate is over what it applied). Latencies are per batch: read, apply, commit.`,
      'Read model: balances(stream_id text PRIMARY KEY, total bigint), one INSERT … ON CONFLICT (stream_id) DO UPDATE per event, a named (prepared) statement; the upserts and the checkpoint commit in one transaction per batch.',
      'EventCore: runProjection({ store, projections: createSqlProjectionStore(store), projection, batchSize }), handler: tx.query(upsert, [streamId, amount], name). Per batch: readAll on the pool, then BEGIN, ensure and lock the checkpoint (2 statements), the upserts, UPDATE the checkpoint, COMMIT.',
      'raw SQL (same shape, hand-written): SELECT … WHERE position > $1 ORDER BY position LIMIT batch, then BEGIN, the same upserts, UPDATE checkpoints SET position, COMMIT; one client per batch; no lease, no failure handling.',
      `${BATCHED_NAMES.us}: the same projection with handleBatch: (events, { tx }) => … instead of handle: the batch's deposits summed per stream in JavaScript, then one named INSERT INTO t AS b (stream_id, total) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (stream_id) DO UPDATE SET total = b.total + excluded.total per batch, in the batch's transaction with the checkpoint.`,
      `${RAW_BATCHED}: the raw loop with the same summing and the same one upsert per page, then UPDATE checkpoints and COMMIT in the same transaction.`,
      `vs raw: the handleBatch row divides by "${RAW_BATCHED}", the per-event EventCore row by "raw SQL (pg)" (per event).`,
      "Pools of one connection (EventCore's runner also holds a lease connection and a LISTEN connection outside it).",
    ],
    targets: BATCH_SIZES.map((batchSize) => {
      const best = bestOfRole(rows, count(batchSize), 'us')
      const line = rateTarget(
        `EventCore catch-up ≥ 20,000 events/s into a PostgreSQL read model at batch ${count(batchSize)}, best row`,
        best && isMeasured(best.outcome) ? best.outcome.rate : undefined,
        20_000,
      )
      return best ? `${line} (${best.contender})` : line
    }),
  }
}
