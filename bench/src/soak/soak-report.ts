import { summarizeLatencies } from '../measure/percentiles.js'
import { formatMs } from '../report/table.js'
import type { RateSample } from './fixed-rate.js'
import type { MemoryReading, MemoryTrend } from './memory-trend.js'

/** What a soak found, for the report. */
export interface SoakResult {
  readonly rate: number
  readonly durationMs: number
  readonly samples: readonly RateSample[]
  readonly readings: readonly MemoryReading[]
  readonly trend: MemoryTrend
  /** Registrations answered 201. */
  readonly acknowledged: number
  /** Of those, how many could not be read back afterwards (must be 0). */
  readonly lost: number
  /** Users in the store with an address the run registered more than once (must be 0). */
  readonly duplicated: number
}

/** Counts by status class, per operation and overall. */
export interface StatusCounts {
  readonly total: number
  readonly ok: number
  readonly clientErrors: number
  readonly serverErrors: number
  /** No answer in time, or the connection failed. */
  readonly errors: number
  /** Not sent: too many in flight. */
  readonly dropped: number
}

/**
 * Tallies samples by outcome.
 *
 * @example
 * countStatuses([{ op: 'get', dueMs: 0, latencyMs: 1, status: 200 }]).ok // 1
 */
export function countStatuses(samples: readonly RateSample[]): StatusCounts {
  const count = (test: (s: RateSample) => boolean) => samples.filter(test).length
  const inRange = (lo: number, hi: number) => (s: RateSample) =>
    typeof s.status === 'number' && s.status >= lo && s.status < hi
  return {
    total: samples.length,
    ok: count(inRange(200, 400)),
    clientErrors: count(inRange(400, 500)),
    serverErrors: count(inRange(500, 600)),
    errors: count((s) => s.status === 'error'),
    dropped: count((s) => s.status === 'dropped'),
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`

/**
 * The soak's report in markdown: per operation, requests and answers by class and latency
 * percentiles (from when each request was due); memory over time; writes lost and duplicated.
 *
 * @example
 * process.stdout.write(renderSoakReport(result))
 */
export function renderSoakReport(result: SoakResult): string {
  const seconds = result.durationMs / 1000
  const ops = [...new Set(result.samples.map((s) => s.op))].sort()
  const row = (name: string, samples: readonly RateSample[]) => {
    const c = countStatuses(samples)
    const answered = samples.filter((s) => typeof s.status === 'number').map((s) => s.latencyMs)
    const { p50, p95, p99 } = summarizeLatencies(answered)
    const rps = (c.ok / seconds).toFixed(1)
    return `| ${name} | ${c.total} | ${rps} | ${c.ok} | ${c.clientErrors} | ${c.serverErrors} | ${c.errors} | ${c.dropped} | ${formatMs(p50)} | ${formatMs(p95)} | ${formatMs(p99)} |`
  }
  const { trend } = result
  const lines = [
    `### Soak: ${result.rate} requests/s for ${seconds} s (open loop)`,
    '',
    '| operation | requests | 2xx-3xx/s | 2xx-3xx | 4xx | 5xx | no answer | not sent | p50 ms | p95 ms | p99 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...ops.map((op) =>
      row(
        op,
        result.samples.filter((s) => s.op === op),
      ),
    ),
    row('**all**', result.samples),
    '',
    'Memory of the service process (RSS, from its own /metrics):',
    '',
    '| at s | RSS | heap used |',
    '|---|---|---|',
    ...result.readings.map((r) => `| ${r.atSeconds.toFixed(0)} | ${mib(r.rssBytes)} | ${mib(r.heapUsedBytes)} |`),
    '',
    `RSS median, middle third ${mib(trend.middleRssBytes)} → last third ${mib(trend.lastRssBytes)}; max ${mib(trend.maxRssBytes)}; slope over the second half ${trend.slopeMiBPerMinute.toFixed(2)} MiB/min: ${trend.plateaued ? '**plateaued**' : '**still growing**'}.`,
    '',
    `Registrations acknowledged (201): ${result.acknowledged}; lost (not readable afterwards): **${result.lost}**; addresses registered twice: **${result.duplicated}**.`,
    '',
  ]
  return lines.join('\n')
}
