import { randomUUID } from 'node:crypto'
import autocannon from 'autocannon'
import type { CheckResult, Figure } from './checks.js'
import { CliError, messageOf } from './cli-error.js'
import { behindTlsProxy } from './forwarded-proto.js'
import { percentile, roundMs } from './latency.js'
import { requestMix, seedUsers } from './load-mix.js'
import { sampleMemory } from './memory-sampler.js'

/** The targets of a load run; each one not given is measured and reported as `skip` ("no target"). */
export interface PerformanceTargets {
  readonly p95Ms?: number
  readonly minRps?: number
  /** A fraction of all requests, 0–1 (0.01 = 1 %). */
  readonly maxErrorRate?: number
  readonly maxMemoryMb?: number
}

/** What {@link validatePerformance} loads and how. */
export interface PerformanceOptions {
  readonly baseUrl: string
  /** A bearer token allowed to register, read, rename and list users (the admin role). */
  readonly token: string
  readonly durationSeconds: number
  /** Keep-alive connections, each sending its next request once the previous one is answered. @default 10 */
  readonly connections?: number
  readonly targets: PerformanceTargets
  readonly timeoutMs: number
  /** Where the service's own metrics are read for its memory. @default `${baseUrl}/metrics` */
  readonly metricsUrl?: string
  /** Makes the unique part of each registered address. @default randomUUID */
  readonly newId?: () => string
}

interface Load {
  /** Response times of the 2xx answers: a refusal (429, 503) is fast and says nothing of serving. */
  readonly latencies: number[]
  readonly answered: number
  readonly statuses: Map<number, number>
  readonly noAnswer: number
  readonly elapsedSeconds: number
}

function runLoad(baseUrl: string, connections: number, seconds: number, requests: autocannon.Request[]): Promise<Load> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = []
    let answered = 0
    const statuses = new Map<number, number>()
    const started = performance.now()
    const instance = autocannon(
      // autocannon checks its stop flag once per sample interval: sample often to stop on time.
      { url: baseUrl, connections, duration: seconds, requests, timeout: 10, sampleInt: 100 },
      (error: unknown, result) => {
        if (error) return reject(new CliError('connection', `load: ${messageOf(error)}`))
        resolve({
          latencies,
          answered,
          statuses,
          noAnswer: result.errors + result.timeouts,
          elapsedSeconds: (performance.now() - started) / 1000,
        })
      },
    )
    instance.on('response', (_client, status, _bytes, responseTime) => {
      answered += 1
      if (status >= 200 && status < 300) latencies.push(responseTime)
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    })
  })
}

// Percentiles of the 2xx answers only; with none, nothing was served to measure.
function latencyChecks(latencies: readonly number[], p95Ms: number | undefined): CheckResult[] {
  if (latencies.length === 0) {
    const why = 'no 2xx answer to measure'
    return [{ name: 'latency p95', status: p95Ms === undefined ? 'skip' : 'fail', detail: why }]
  }
  const p = (q: number) => roundMs(percentile(latencies, q))
  const over = `over ${latencies.length} 2xx answers`
  return [
    {
      name: 'latency p50',
      status: 'skip',
      detail: `reported, not judged (${over})`,
      figure: { value: p(50), unit: 'ms' },
    },
    judge(
      'latency p95',
      { value: p(95), unit: 'ms', ...(p95Ms === undefined ? {} : { limit: p95Ms }) },
      p95Ms,
      p(95) <= (p95Ms ?? Number.POSITIVE_INFINITY),
      `--p95-ms; ${over}`,
    ),
    {
      name: 'latency p99',
      status: 'skip',
      detail: `reported, not judged (${over})`,
      figure: { value: p(99), unit: 'ms' },
    },
  ]
}

function judge(name: string, figure: Figure, limit: number | undefined, ok: boolean, how: string): CheckResult {
  if (limit === undefined) return { name, status: 'skip', detail: `measured; no target given (${how})`, figure }
  return {
    name,
    status: ok ? 'pass' : 'fail',
    detail: ok ? `within the target (${how})` : `misses the target (${how})`,
    figure,
  }
}

/**
 * A real load run against the users API with autocannon (the mix of {@link requestMix}), judged
 * against `targets`: p95 latency, requests per second, error rate (answers outside 2xx and requests
 * without an answer, over all requests) and the service's peak resident memory from its own
 * `/metrics`. p50 and p99 are reported too. A figure without a target is `skip`: measured, not judged.
 *
 * @example
 * const results = await validatePerformance({ baseUrl, token, durationSeconds: 10, targets: { p95Ms: 200 }, timeoutMs: 5000 })
 */
export async function validatePerformance(options: PerformanceOptions): Promise<CheckResult[]> {
  const { baseUrl, token, durationSeconds, connections = 10, targets, timeoutMs, newId = randomUUID } = options
  const seeded = await seedUsers(baseUrl, token, timeoutMs, newId)
  const memory = sampleMemory(options.metricsUrl ?? `${baseUrl}/metrics`, timeoutMs)
  const load = await runLoad(
    baseUrl,
    connections,
    durationSeconds,
    requestMix(token, seeded, newId, behindTlsProxy(baseUrl)),
  ).finally(() => {
    void memory.stop()
  })
  const memorySamples = await memory.stop()

  const total = load.answered + load.noAnswer
  const ok = [...load.statuses].reduce((sum, [status, count]) => (status >= 200 && status < 300 ? sum + count : sum), 0)
  const failed = total - ok
  const byStatus = [...load.statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}×${count}`)
    .join(', ')
  const rps = Math.round((ok / load.elapsedSeconds) * 10) / 10
  const errorRate = total === 0 ? 1 : failed / total
  const errorPercent = Math.round(errorRate * 10000) / 100
  const rateLimited = load.statuses.get(429) ?? 0

  const results: CheckResult[] = [
    {
      name: 'load',
      status: total === 0 ? 'fail' : 'pass',
      detail: `${total} requests in ${load.elapsedSeconds.toFixed(1)} s over ${connections} connections (register, read, rename, read, list): ${byStatus || 'no answers'}${load.noAnswer ? `, ${load.noAnswer} without an answer` : ''}`,
      figure: { value: total, unit: 'requests' },
    },
    ...latencyChecks(load.latencies, targets.p95Ms),
    judge(
      'throughput (2xx per second)',
      { value: rps, unit: 'req/s', ...(targets.minRps === undefined ? {} : { limit: targets.minRps }) },
      targets.minRps,
      rps >= (targets.minRps ?? 0),
      '--min-rps, a minimum',
    ),
    judge(
      'error rate',
      {
        value: errorPercent,
        unit: '%',
        ...(targets.maxErrorRate === undefined ? {} : { limit: Math.round(targets.maxErrorRate * 10000) / 100 }),
      },
      targets.maxErrorRate,
      errorRate <= (targets.maxErrorRate ?? 1),
      `--max-error-rate${rateLimited ? `; ${rateLimited} answers were 429: the service's rate limit (EVENTCORE_RATE_LIMIT_MAX) stopped the load` : ''}`,
    ),
  ]
  if (typeof memorySamples === 'string') {
    results.push({
      name: 'peak resident memory',
      status: targets.maxMemoryMb === undefined ? 'skip' : 'fail',
      detail: `not measured: ${memorySamples}`,
    })
  } else {
    const peak = Math.round(Math.max(...memorySamples) * 10) / 10
    results.push(
      judge(
        'peak resident memory',
        { value: peak, unit: 'MB', ...(targets.maxMemoryMb === undefined ? {} : { limit: targets.maxMemoryMb }) },
        targets.maxMemoryMb,
        peak <= (targets.maxMemoryMb ?? Number.POSITIVE_INFINITY),
        `--max-memory-mb; ${memorySamples.length} samples of process_resident_memory_bytes`,
      ),
    )
  }
  return results
}
