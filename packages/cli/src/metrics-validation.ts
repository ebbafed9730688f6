import type { CheckResult } from './checks.js'
import { metricFamilies } from './exposition.js'
import { httpRequest } from './http-client.js'
import { roundMs } from './latency.js'
import { prometheusApi } from './prometheus-api.js'

/** A metric family a production service must export, and who asks for it. */
export interface RequiredMetric {
  readonly name: string
  readonly group: 'core' | 'http' | 'process' | 'business'
  /** Where the requirement comes from, printed with the check. */
  readonly source: string
}

const DESIGN = 'DESIGN §6'
const CHECKLIST = 'DESIGN §6, production checklist'
const ALERT = 'DESIGN §6, checklist alert rules'

/**
 * Every family DESIGN §6 and the production checklist (its metrics validator and its alert rules)
 * name, apart from the business ones, which depend on the service.
 */
export const REQUIRED_METRICS: readonly RequiredMetric[] = [
  { name: 'eventcore_commands_total', group: 'core', source: ALERT },
  { name: 'eventcore_command_duration_seconds', group: 'core', source: CHECKLIST },
  { name: 'eventcore_command_errors_total', group: 'core', source: ALERT },
  { name: 'eventcore_command_retries_total', group: 'core', source: DESIGN },
  { name: 'eventcore_events_written_total', group: 'core', source: CHECKLIST },
  { name: 'eventcore_active_streams', group: 'core', source: CHECKLIST },
  { name: 'eventcore_projection_lag_seconds', group: 'core', source: CHECKLIST },
  { name: 'eventcore_projection_events_processed_total', group: 'core', source: DESIGN },
  { name: 'eventcore_connection_pool_size', group: 'core', source: 'DESIGN §6, checklist health-check.sh' },
  { name: 'eventcore_connection_pool_max_size', group: 'core', source: 'DESIGN §6, checklist health-check.sh' },
  { name: 'eventcore_connection_pool_errors_total', group: 'core', source: ALERT },
  { name: 'eventcore_http_requests_total', group: 'http', source: 'DESIGN §6 (HTTP request metrics)' },
  { name: 'eventcore_http_request_duration_seconds', group: 'http', source: 'DESIGN §6 (HTTP request metrics)' },
  { name: 'process_cpu_seconds_total', group: 'process', source: 'DESIGN §6 (Node process metrics)' },
  { name: 'process_resident_memory_bytes', group: 'process', source: 'DESIGN §6, checklist memory target' },
  { name: 'nodejs_heap_size_used_bytes', group: 'process', source: 'DESIGN §6 (Node process metrics)' },
  { name: 'nodejs_eventloop_lag_seconds', group: 'process', source: 'DESIGN §6 (Node process metrics)' },
]

/** The business metrics of the reference users service, checked unless others are named. */
export const DEFAULT_BUSINESS_METRICS: readonly string[] = ['users_registered_total', 'users_deactivated_total']

/** {@link REQUIRED_METRICS} plus the service's business metrics. */
export function requiredMetrics(business: readonly string[] = DEFAULT_BUSINESS_METRICS): RequiredMetric[] {
  return [
    ...REQUIRED_METRICS,
    ...business.map((name): RequiredMetric => ({ name, group: 'business', source: 'checklist (business metrics)' })),
  ]
}

/**
 * Checks a `/metrics` exposition: each required family is declared (`# TYPE`). A non-200 answer
 * fails every check with its status.
 *
 * @example
 * const results = await validateMetricsEndpoint({ metricsUrl: `${base}/metrics`, timeoutMs: 5000 })
 */
export async function validateMetricsEndpoint(options: {
  readonly metricsUrl: string
  readonly timeoutMs: number
  /** Sent as a bearer token, for a `/metrics` behind one. */
  readonly token?: string
  readonly businessMetrics?: readonly string[]
}): Promise<CheckResult[]> {
  const { metricsUrl, timeoutMs, token, businessMetrics } = options
  const response = await httpRequest(metricsUrl, {
    timeoutMs,
    ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
  })
  const families = response.status === 200 ? metricFamilies(response.body) : new Map<string, string>()
  return requiredMetrics(businessMetrics).map(({ name, group, source }) => {
    const type = families.get(name)
    if (response.status !== 200) {
      return { name, status: 'fail', detail: `${metricsUrl} answered HTTP ${response.status}` }
    }
    return type === undefined
      ? { name, status: 'fail', detail: `missing from ${metricsUrl} (${group}; ${source})` }
      : { name, status: 'pass', detail: `${type} (${group}; ${source})` }
  })
}

const jobMatcher = (job: string): string => `job="${job.replaceAll('"', '\\"')}"`

/** A PromQL selector of one series name, of one job when given. */
const selectorOf = (series: string, job: string | undefined): string =>
  `{__name__="${series}"${job === undefined ? '' : `,${jobMatcher(job)}`}}`

/**
 * Checks, through Prometheus's HTTP API, that each required family is scraped and fresh: its newest
 * sample (`max(timestamp(…))`, within the 5 minutes Prometheus looks back) is at most `maxAgeSeconds`
 * old. A family Prometheus has seen but holds no current sample of (its target went down: Prometheus
 * marks its series stale) fails as such; one it never saw fails as never scraped.
 *
 * @example
 * const results = await validateMetricsInPrometheus({ prometheusUrl, maxAgeSeconds: 60, job: 'eventcore', timeoutMs: 5000 })
 */
export async function validateMetricsInPrometheus(options: {
  readonly prometheusUrl: string
  readonly maxAgeSeconds: number
  /** Only series of this scrape job (`job` label). */
  readonly job?: string
  readonly timeoutMs: number
  readonly businessMetrics?: readonly string[]
  readonly now?: () => Date
}): Promise<CheckResult[]> {
  const { prometheusUrl, maxAgeSeconds, job, timeoutMs, businessMetrics, now = () => new Date() } = options
  const scope = job === undefined ? '' : `?match[]=${encodeURIComponent(`{${jobMatcher(job)}}`)}`
  const known = (await prometheusApi(prometheusUrl, `/api/v1/label/__name__/values${scope}`, timeoutMs)).data
  const names = new Set(Array.isArray(known) ? (known as string[]) : [])
  const results: CheckResult[] = []
  for (const { name, group, source } of requiredMetrics(businessMetrics)) {
    // A histogram is stored as `_bucket`, `_sum` and `_count` series: its `_count` stands for it.
    const series = [name, `${name}_count`].find((candidate) => names.has(candidate))
    const scoped = job === undefined ? '' : ` (job="${job}")`
    if (series === undefined) {
      results.push({ name, status: 'fail', detail: `never scraped${scoped} (${group}; ${source})` })
      continue
    }
    const query = encodeURIComponent(`max(timestamp(${selectorOf(series, job)}))`)
    const answer = await prometheusApi(prometheusUrl, `/api/v1/query?query=${query}`, timeoutMs)
    const vector = answer.data as { result?: { value?: [number, string] }[] } | undefined
    const newest = Number(vector?.result?.[0]?.value?.[1])
    if (!Number.isFinite(newest)) {
      const why = 'no current sample: its target is down or gone, or was silent for 5 minutes'
      results.push({ name, status: 'fail', detail: `${why}${scoped} (${group}; ${source})` })
      continue
    }
    const age = Math.max(0, roundMs(now().getTime() / 1000 - newest))
    const fresh = age <= maxAgeSeconds
    results.push({
      name,
      status: fresh ? 'pass' : 'fail',
      detail: `${fresh ? 'fresh' : 'stale'} (${group}; ${source})`,
      figure: { value: age, unit: 's old', limit: maxAgeSeconds },
    })
  }
  return results
}
