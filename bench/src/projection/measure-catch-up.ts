import { type Measurement, measurementOf } from '../measure/measurement.js'
import type { AppliedBatch, RunningProjection } from '../stores/contender.js'

/** Options of {@link runProjectionCatchUp}. */
export interface ProjectionCatchUpOptions {
  /** Starts a new projection from the start of the log, reporting each committed batch. */
  readonly start: (onBatch: (batch: AppliedBatch) => void) => Promise<RunningProjection>
  /** How many events the log holds: the catch-up is over when that many are applied. */
  readonly expected: number
  /** Stops measuring at the first batch committed after this long, even if not caught up. */
  readonly capMs: number
}

/**
 * Times a projection catching up: from starting it until `expected` events are applied (or the
 * first batch after `capMs`, then the note says how far it got). The rate divides the events
 * applied by that time; latencies are per batch, from the previous commit (or the start) to its own.
 */
export async function runProjectionCatchUp(options: ProjectionCatchUpOptions): Promise<Measurement> {
  const { start, expected, capMs } = options
  const latencies: number[] = []
  let events = 0
  let finish = () => {}
  const finished = new Promise<void>((resolve) => {
    finish = resolve
  })
  const started = performance.now()
  let last = started
  const projection = await start((batch) => {
    if (events >= expected || last - started >= capMs) return // over: the batch in hand before stopping
    const now = performance.now()
    latencies.push(now - last)
    last = now
    events += batch.events
    if (events >= expected || now - started >= capMs) finish()
  })
  try {
    const ended = await Promise.race([finished.then(() => undefined), projection.ended])
    if (ended !== undefined) throw new Error(ended)
  } finally {
    await projection.stop()
  }
  const elapsedMs = last - started
  const note =
    events >= expected
      ? undefined
      : `${events.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} events in ${(elapsedMs / 1000).toFixed(1)} s (time cap)`
  return measurementOf(events, elapsedMs, latencies, { note })
}
