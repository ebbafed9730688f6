import { measureRow, type ScenarioContext } from '../operations/scenario.js'
import { freshStreamId } from '../operations/workload.js'
import type { ResultRow, Section } from '../report/report.js'
import { latencyTarget, measuredRole } from '../report/targets.js'
import type { BenchStore, ProjectOptions } from '../stores/contender.js'
import { liveDeposit } from './balances.js'
import { runLive } from './measure-live.js'

const RATE = 500
/** The live window is this many times the configured measured time. */
const LIVE_FACTOR = 5
/** Connections of the writer's pool. */
const WRITER_CONNECTIONS = 4
/** `runProjection`'s default. */
const BATCH_SIZE = 500
const DRAIN_MS = 5000
/** One projection per schema for every turn: each turn goes on from the checkpoint the last one left. */
const PROJECTION = 'live_balances'

const RUNNERS: ReadonlyArray<{ group: string; runner: ProjectOptions['runner'] }> = [
  { group: 'second store', runner: 'second-store' },
  { group: 'same store', runner: 'same-store' },
]

function followLive(runner: ProjectOptions['runner'], context: ScenarioContext) {
  const { warmupMs, durationMs } = context.settings
  return (store: BenchStore) => {
    const { project } = store
    if (!project) throw new Error('this contender has no projection')
    return runLive({
      ratePerSecond: RATE,
      warmupMs,
      durationMs: LIVE_FACTOR * durationMs,
      drainMs: DRAIN_MS,
      append: (seq) => {
        const streamId = freshStreamId('acct-live')
        return store.appendToNewStream(streamId, [liveDeposit(streamId, seq)])
      },
      follow: (onBatch) => project({ name: PROJECTION, batchSize: BATCH_SIZE, runner, onBatch }),
    })
  }
}

/** 7. Append-to-applied latency of a projection following a steady 500 appends/s. */
export async function projectionLatency(context: ScenarioContext): Promise<Section> {
  const rows: ResultRow[] = []
  for (const { group, runner } of RUNNERS) {
    rows.push(
      ...(await measureRow(context, {
        group,
        scenario: 's7',
        connections: WRITER_CONNECTIONS,
        requires: 'projectLive',
        rounds: 1,
        measure: followLive(runner, context),
      })),
    )
  }
  const seconds = (LIVE_FACTOR * context.settings.durationMs) / 1000
  const p99 = (group: string) => measuredRole(rows, group, 'us')?.latency.p99
  return {
    title: `7. End-to-end latency from append to projection applied, at a steady ${RATE} appends/s`,
    unit: 'appends/s',
    groupHeader: 'runner',
    rows,
    notes: [
      `A writer appends one Deposited event to a new stream every ${1000 / RATE} ms (timer-paced, not waiting for the previous append) for ${seconds} s after a ${Number((context.settings.warmupMs / 1000).toFixed(2))} s warm-up, on a pool of ${WRITER_CONNECTIONS}; appends/s is what it achieved.`,
      'Latency per event: from its append resolving in the writer to the commit of the batch that applied it (onBatch, called right after the batch and its checkpoint commit). An event applied before its append returned counts 0 ms.',
      `The projection is scenario 6's balances upsert (runProjection, batch ${BATCH_SIZE}, default polling 50–1,000 ms), following the log from where the previous turn left it.`,
      "second store: the runner opens a store of its own on the same schema (a pool of one), so only LISTEN/NOTIFY wakes it, as in another process (on PGlite: a second store on the same database, its NOTIFY). same store: the runner shares the writer's store and is woken in-process as each append resolves.",
      `One round per row: the writer fixes the rate, and each row pairs about ${(RATE * seconds).toLocaleString('en-US')} events.`,
    ],
    targets: RUNNERS.map(({ group }) =>
      latencyTarget(`EventCore PostgreSQL live p99 < 50 ms (${group})`, p99(group), 50),
    ),
  }
}
