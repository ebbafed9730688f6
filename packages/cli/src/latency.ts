/**
 * The nearest-rank percentile `p` (0–100) of `values`, as load tools report it; `NaN` for none.
 *
 * @example
 * percentile([1, 2, 3, 4], 50) // → 2
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1] ?? Number.NaN
}

/** Milliseconds rounded to 0.1, as the checks print them. */
export const roundMs = (ms: number): number => Math.round(ms * 10) / 10
