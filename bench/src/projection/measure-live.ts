import { type Measurement, measurementOf } from '../measure/measurement.js'
import type { AppliedBatch, RunningProjection } from '../stores/contender.js'

/** Options of {@link runLive}. */
export interface LiveOptions {
  /** Appends per second, paced by a timer: an open loop, so a slow append never delays the next. */
  readonly ratePerSecond: number
  /** Appends before anything is counted. */
  readonly warmupMs: number
  /** Time during which appends are sent and counted, after the warm-up. */
  readonly durationMs: number
  /** Longest wait, after the last append, for the projection to apply the counted events. */
  readonly drainMs: number
  /** Appends one event carrying `seq`; resolves once it has committed. */
  readonly append: (seq: number) => Promise<void>
  /** Starts the projection following the log; it reports the seqs of each batch as the batch commits. */
  readonly follow: (onBatch: (batch: AppliedBatch) => void) => Promise<RunningProjection>
}

/** The latencies of events from their append to their projection, and what could not be paired. */
export interface LiveLatencies {
  /** Milliseconds from the append resolving to the batch holding the event committing; never below 0. */
  readonly latencies: number[]
  /** Events appended but not applied (in time). */
  readonly unapplied: number
  /** Events applied before their append resolved (the commit was seen before its reply arrived): 0 ms. */
  readonly early: number
}

/**
 * Pairs the time each event's append resolved with the time its batch committed.
 *
 * @example
 * liveLatencies([1, 2, 3], new Map([[1, 10], [2, 10], [3, 10]]), new Map([[1, 14], [2, 9]]))
 * // { latencies: [4, 0], unapplied: 1, early: 1 }
 */
export function liveLatencies(
  seqs: readonly number[],
  appendedAt: ReadonlyMap<number, number>,
  appliedAt: ReadonlyMap<number, number>,
): LiveLatencies {
  const latencies: number[] = []
  let unapplied = 0
  let early = 0
  for (const seq of seqs) {
    const appended = appendedAt.get(seq)
    const applied = appliedAt.get(seq)
    if (appended === undefined || applied === undefined) {
      unapplied += 1
      continue
    }
    if (applied < appended) early += 1
    latencies.push(Math.max(0, applied - appended))
  }
  return { latencies, unapplied, early }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Measures a projection following the log live: a writer appends at a steady rate while the
 * projection runs; each event's latency is the time from its append resolving to the commit of the
 * batch that applied it (taken when the runner reports the commit). The rate is the writer's:
 * counted appends over the time until the last of them resolved.
 */
export async function runLive(options: LiveOptions): Promise<Measurement> {
  const { ratePerSecond, warmupMs, durationMs, drainMs, append, follow } = options
  const appendedAt = new Map<number, number>()
  const appliedAt = new Map<number, number>()
  const counted: number[] = []
  const projection = await follow((batch) => {
    const now = performance.now()
    for (const seq of batch.seqs) if (!appliedAt.has(seq)) appliedAt.set(seq, now)
  })
  const started = performance.now()
  const measureFrom = started + warmupMs
  let lastAppended = measureFrom
  try {
    const stopAt = measureFrom + durationMs
    const interval = 1000 / ratePerSecond
    const appends: Promise<void>[] = []
    for (let seq = 0; ; seq++) {
      const due = started + seq * interval
      if (due >= stopAt) break
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      const isCounted = due >= measureFrom
      if (isCounted) counted.push(seq)
      appends.push(
        append(seq).then(() => {
          const now = performance.now()
          appendedAt.set(seq, now)
          if (isCounted && now > lastAppended) lastAppended = now
        }),
      )
    }
    await Promise.all(appends)
    const deadline = performance.now() + drainMs
    while (counted.some((seq) => !appliedAt.has(seq)) && performance.now() < deadline) {
      const ended = await Promise.race([sleep(5).then(() => undefined), projection.ended])
      if (ended !== undefined) throw new Error(ended)
    }
  } finally {
    await projection.stop()
  }
  const { latencies, unapplied, early } = liveLatencies(counted, appendedAt, appliedAt)
  const elapsedMs = lastAppended - measureFrom
  const notes = [
    unapplied > 0 ? `${unapplied} of ${counted.length} not applied within ${drainMs / 1000} s` : '',
    early > 0 ? `${early} applied before their append returned (0 ms)` : '',
  ].filter(Boolean)
  return measurementOf(counted.length, elapsedMs, latencies, { note: notes.join('; ') })
}
