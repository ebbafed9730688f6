import type { LatencySummary } from './percentiles.js'

/** What one contender achieved in one round of one row. */
export interface Measurement {
  /** Operations (or events, for catch-up reads) per second. */
  readonly rate: number
  /** Operations (or events) counted in the measured window. */
  readonly count: number
  readonly elapsedMs: number
  /** Latency of one operation (or one page, for catch-up reads). */
  readonly latency: LatencySummary
  /** Attempts beyond the first, summed over all operations (commands only). */
  readonly retries: number
  /** Anything the reader must know to trust the number, e.g. a short read. */
  readonly note?: string
}

/** A row that has no number: the contender lacks the operation, or it failed. */
export interface Missing {
  readonly missing: string
}

/** A measurement, or why there is none. */
export type Outcome = Measurement | Missing

/** True when the outcome carries a number. */
export function isMeasured(outcome: Outcome): outcome is Measurement {
  return !('missing' in outcome)
}
