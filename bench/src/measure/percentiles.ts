/** Latency percentiles of one measurement, in milliseconds. */
export interface LatencySummary {
  readonly p50: number
  readonly p95: number
  readonly p99: number
}

/**
 * The nearest-rank percentile of samples sorted in ascending order: the smallest sample that at
 * least `p` % of the samples do not exceed. `NaN` when there are no samples.
 *
 * @example
 * percentile([1, 2, 3, 4], 50) // 2
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN
}

/**
 * Summarizes latency samples (in any order; the array is not changed) as p50, p95 and p99.
 *
 * @example
 * summarizeLatencies([3, 1, 2]) // { p50: 2, p95: 3, p99: 3 }
 */
export function summarizeLatencies(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort()
  const values = Array.from(sorted)
  return { p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) }
}
