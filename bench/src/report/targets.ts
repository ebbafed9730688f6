import type { Measurement } from '../measure/measurement.js'
import { isMeasured } from '../measure/measurement.js'
import type { ResultRow, Role } from './report.js'
import { formatMs, formatPercent, formatRate, formatRatio } from './table.js'

/** The measured outcome of a contender in a group. */
export function measuredRow(rows: readonly ResultRow[], group: string, contender: string): Measurement | undefined {
  const row = rows.find((r) => r.group === group && r.contender === contender)
  return row && isMeasured(row.outcome) ? row.outcome : undefined
}

/** "met" or "MISSED". */
export function verdict(value: number, threshold: number): string {
  return value >= threshold ? 'met' : 'MISSED'
}

/**
 * A target line for a rate: `≥ 1,500 commands/s at 8 clients: 2,140 — met`.
 *
 * @example
 * rateTarget('transfers ≥ 1,500 commands/s at 8 clients', 2140.2, 1500) // 'transfers ≥ 1,500 commands/s at 8 clients: 2,140 — met'
 */
export function rateTarget(label: string, value: number | undefined, threshold: number): string {
  return value === undefined
    ? `${label}: not measured`
    : `${label}: ${formatRate(value)} — ${verdict(value, threshold)}`
}

/** A target line for a share of another rate, e.g. of the raw baseline. */
export function shareTarget(label: string, share: number | undefined, threshold: number): string {
  return share === undefined
    ? `${label}: not measured`
    : `${label}: ${formatPercent(share)} — ${verdict(share, threshold)}`
}

/**
 * A target line for a ratio of two rates, e.g. of EventCore over the raw baseline; with `above`,
 * the ratio must be strictly greater than the threshold (beating a row, not matching it).
 *
 * @example
 * ratioTarget('appends ≥ 1.5× raw at 8 clients', 1.62, 1.5) // 'appends ≥ 1.5× raw at 8 clients: 1.62× — met'
 */
export function ratioTarget(
  label: string,
  ratio: number | undefined,
  threshold: number,
  { above = false }: { readonly above?: boolean } = {},
): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return `${label}: not measured`
  const met = above ? ratio > threshold : ratio >= threshold
  return `${label}: ${formatRatio(ratio)} — ${met ? 'met' : 'MISSED'}`
}

/**
 * A target line for a latency that must not be worse than another row's.
 *
 * @example
 * notWorseTarget('p99 not worse than groupCommit off', 2.1, 2.4) // 'p99 not worse than groupCommit off: 2.10 ms vs 2.40 ms — met'
 */
export function notWorseTarget(label: string, valueMs: number | undefined, boundMs: number | undefined): string {
  if (valueMs === undefined || boundMs === undefined || Number.isNaN(valueMs) || Number.isNaN(boundMs))
    return `${label}: not measured`
  return `${label}: ${formatMs(valueMs)} ms vs ${formatMs(boundMs)} ms — ${valueMs <= boundMs ? 'met' : 'MISSED'}`
}

/** The measured outcome of the contender with this role in a group. */
export function measuredRole(rows: readonly ResultRow[], group: string, role: Role): Measurement | undefined {
  const row = rows.find((r) => r.group === group && r.role === role)
  return row && isMeasured(row.outcome) ? row.outcome : undefined
}

/**
 * A target line for a latency that must stay under a bound.
 *
 * @example
 * latencyTarget('live p99 < 50 ms', 12.34, 50) // 'live p99 < 50 ms: 12.3 ms — met'
 */
export function latencyTarget(label: string, valueMs: number | undefined, underMs: number): string {
  if (valueMs === undefined || Number.isNaN(valueMs)) return `${label}: not measured`
  return `${label}: ${formatMs(valueMs)} ms — ${valueMs < underMs ? 'met' : 'MISSED'}`
}

/**
 * The measured row of a role in a group with the highest rate, e.g. the best of several EventCore
 * variants.
 */
export function bestOfRole(rows: readonly ResultRow[], group: string, role: Role): ResultRow | undefined {
  let best: ResultRow | undefined
  for (const row of rows) {
    if (row.group !== group || row.role !== role || !isMeasured(row.outcome)) continue
    if (!best || (isMeasured(best.outcome) && row.outcome.rate > best.outcome.rate)) best = row
  }
  return best
}
