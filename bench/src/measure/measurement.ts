import { type LatencySummary, summarizeLatencies } from './percentiles.js'

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

/** What {@link measurementOf} adds when there is something to add. */
export interface MeasurementExtras {
  /** @default 0 */
  readonly retries?: number
  /** Left out of the measurement when undefined. */
  readonly note?: string | undefined
}

/**
 * The measurement of `count` operations (or events) finished in `elapsedMs`, one latency sample
 * each (or one per page or batch): the rate is `count` per second of `elapsedMs`, 0 when no time passed.
 *
 * @example
 * measurementOf(20, 2000, [1, 2, 3]).rate // 10
 */
export function measurementOf(
  count: number,
  elapsedMs: number,
  latencies: ArrayLike<number>,
  extras: MeasurementExtras = {},
): Measurement {
  const { retries = 0, note } = extras
  return {
    rate: elapsedMs > 0 ? (count * 1000) / elapsedMs : 0,
    count,
    elapsedMs,
    latency: summarizeLatencies(latencies),
    retries,
    ...(note ? { note } : {}),
  }
}
