// The Grafana dashboard (deploy/grafana/eventcore.json): its model is well formed, every query names
// only metrics and labels the running users service exports, and a real Prometheus scraping that
// service runs every query (valid PromQL) and answers each with data.
import {
  binariesRequired,
  type ChildService,
  hasPrometheus,
  startPrometheus,
  type TestPrometheus,
} from '@eventcore/service/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allPanels, panelQueries, readDashboard, TEST_VARIABLES, withVariables } from './dashboard-model.js'
import { type ExportedNames, exportedNames, unexportedNames } from './exported-names.js'
import { promqlNames } from './promql-names.js'
import { until } from './until.js'
import { driveTraffic, startUsersService } from './users-traffic.js'

const dashboard = readDashboard()
const queries = panelQueries(dashboard)
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template literal
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' }

describe('the dashboard model', () => {
  it('is the EventCore dashboard, refreshing every 30 s, with datasource, job and instance variables', () => {
    expect(dashboard).toMatchObject({ uid: 'eventcore', title: 'EventCore', refresh: '30s' })
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39)
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]))
    expect(variables.datasource).toMatchObject({ type: 'datasource', query: 'prometheus' })
    expect(variables.job).toMatchObject({ type: 'query', query: { query: 'label_values(up, job)' } })
    expect(variables.instance).toMatchObject({ type: 'query', allValue: '.*' })
  })

  it('has unique panel ids, panels inside the 24-column grid, and every query on the datasource variable', () => {
    const panels = allPanels(dashboard)
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length)
    for (const panel of panels) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24)
      if (panel.type === 'row') continue
      expect(panel.datasource, panel.title).toEqual(DATASOURCE)
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0)
      for (const target of panel.targets ?? []) expect(target.datasource, panel.title).toEqual(DATASOURCE)
    }
  })

  it('covers what the issue asks for: rates, quantiles, error ratio, streams, lag, pool, memory and SLO burn', () => {
    const all = queries.map((q) => q.expr).join('\n')
    for (const needed of [
      'eventcore_http_requests_total',
      'eventcore_commands_total',
      'histogram_quantile(0.5, sum by (le, command) (rate(eventcore_command_duration_seconds_bucket',
      'histogram_quantile(0.99, sum by (le) (rate(eventcore_http_request_duration_seconds_bucket',
      'eventcore_command_errors_total',
      'eventcore_active_streams',
      'eventcore_projection_lag_seconds',
      'eventcore_projection_state',
      'eventcore_projection_dead_letters_total',
      'eventcore_connection_pool_size',
      'eventcore_connection_pool_max_size',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      '/ (1 - 0.999)',
      '/ 0.01',
    ]) {
      expect(all, needed).toContain(needed)
    }
    expect(all).not.toMatch(/\b\w+:\w+:\w+\b/) // no recording rules: the dashboard works without them
  })
})

describe('holding queries to an exposition', () => {
  const names = exportedNames(
    [
      '# TYPE eventcore_commands_total counter',
      'eventcore_commands_total{command="register-user",outcome="success"} 1',
      '# TYPE eventcore_command_duration_seconds histogram',
      'eventcore_command_duration_seconds_bucket{le="0.5",command="register-user"} 1',
      'eventcore_command_duration_seconds_sum{command="register-user"} 0.1',
      'eventcore_command_duration_seconds_count{command="register-user"} 1',
      '# TYPE eventcore_command_errors_total counter',
      '',
    ].join('\n'),
  )

  it('accepts exported metrics, their labels, le on buckets, the target labels and up', () => {
    const expr =
      'histogram_quantile(0.99, sum by (le, command) (rate(eventcore_command_duration_seconds_bucket{job="x", instance=~".*"}[1m])))' +
      ' + sum without (outcome) (eventcore_commands_total{command!="a"}) * on (job) group_left up'
    expect(unexportedNames(expr, names)).toEqual([])
  })

  it('names a metric the service does not export, as in a doctored dashboard query', () => {
    const query = queries.find((q) => q.expr.includes('eventcore_commands_total'))
    const doctored = query?.expr.replaceAll('eventcore_commands_total', 'eventcore_commandz_total') ?? ''
    expect(unexportedNames(withVariables(doctored, TEST_VARIABLES), names)).toContain(
      'eventcore_commandz_total: no such metric',
    )
  })

  it('names a histogram family used as a series, and a bucket label on its count', () => {
    expect(unexportedNames('eventcore_command_duration_seconds', names)).toEqual([
      'eventcore_command_duration_seconds: no such metric',
    ])
    expect(unexportedNames('eventcore_command_duration_seconds_count{le="1"}', names)).toEqual([
      'eventcore_command_duration_seconds_count: has no label le (matcher)',
    ])
  })

  it('names a label a metric does not carry, in matchers and grouping clauses', () => {
    expect(unexportedNames('eventcore_commands_total{route="/"}', names)).toEqual([
      'eventcore_commands_total: has no label route (matcher)',
    ])
    expect(unexportedNames('sum by (kind) (rate(eventcore_commands_total[1m]))', names)).toEqual([
      'eventcore_commands_total: has no label kind (by clause)',
    ])
    expect(unexportedNames('sum(rate(eventcore_commands_total[1m])) by (status)', names)).toEqual([
      'eventcore_commands_total: has no label status (by clause)',
    ])
    expect(
      unexportedNames('eventcore_commands_total / ignoring (kind) eventcore_command_duration_seconds_count', names),
    ).toEqual([
      'eventcore_commands_total: has no label kind (ignoring clause)',
      'eventcore_command_duration_seconds_count: has no label kind (ignoring clause)',
    ])
  })

  it('cannot confirm labels of a metric declared without samples', () => {
    expect(unexportedNames('eventcore_command_errors_total{kind="timeout"}', names)).toEqual([
      'eventcore_command_errors_total: no samples, so its label kind (matcher) cannot be confirmed',
    ])
  })

  it('reads strings, durations, offsets and keywords without taking them for metrics', () => {
    const { selectors } = promqlNames(
      'rate(a{x="b or c"}[5m:30s] offset 1h30m) > bool 0.5 and on () vector(1) or label_replace(d, "e", "$1", "f", "(.*)")',
    )
    expect(selectors).toEqual([
      { metric: 'a', labels: ['x'] },
      { metric: 'd', labels: [] },
    ])
  })

  it('replaces Grafana variables and refuses one it does not know', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template literal
    expect(withVariables('rate(m{job="$job", i=~"${instance}"}[$__rate_interval])', TEST_VARIABLES)).toBe(
      'rate(m{job="eventcore", i=~".*"}[1m])',
    )
    expect(() => withVariables('m{x="$region"}', TEST_VARIABLES)).toThrow(/unknown Grafana variable \$region/)
  })
})

describe('every dashboard query against the running users service', () => {
  let service: ChildService
  let names: ExportedNames
  beforeAll(async () => {
    service = await startUsersService()
    await driveTraffic(service.url)
    names = exportedNames(await (await fetch(`${service.url}/metrics`)).text())
  }, 60_000)
  afterAll(async () => {
    await service?.kill()
  })

  it.each(queries.map((q) => [`${q.panel} ${q.refId}`, q.expr]))(
    '%s names only exported metrics and labels',
    (_, expr) => {
      expect(unexportedNames(withVariables(expr, TEST_VARIABLES), names)).toEqual([])
    },
  )

  it('has variables whose label_values queries name exported metrics and labels', () => {
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '')
      const [, metric, label] = /^label_values\((.+),\s*(\w+)\)$/.exec(query) ?? []
      expect(metric, variable.name).toBeDefined()
      expect(unexportedNames(withVariables(`sum by (${label}) (${metric})`, TEST_VARIABLES), names)).toEqual([])
    }
  })
})

const available = hasPrometheus()
const required = binariesRequired()
if (!available && !required) {
  console.warn(
    'skipping the dashboard queries against Prometheus: no prometheus binary on the PATH (apt-get install -y prometheus)',
  )
}

describe.skipIf(!available && !required)('every dashboard query on a real Prometheus scraping the service', () => {
  let service: ChildService
  let prometheus: TestPrometheus
  beforeAll(async () => {
    if (!available) throw new Error('CI needs the prometheus binary: apt-get install -y prometheus (see .ci/run)')
    service = await startUsersService()
    prometheus = await startPrometheus({ targets: { eventcore: service.url } })
    await prometheus.scraped(['eventcore'])
    await driveTraffic(service.url)
    // rate() needs two samples in its window: wait for two scrapes of the last registrations' series.
    await until(
      'two scrapes after the traffic',
      () =>
        prometheus.query(
          'count_over_time(eventcore_http_requests_total{route="/api/v1/users", status=~"400|409"}[1m])',
        ),
      (answer) => answer.length === 2 && answer.every((sample) => sample.value >= 2),
      20_000,
    )
  }, 60_000)
  afterAll(async () => {
    await prometheus?.stop()
    await service?.kill()
  })

  it.each(queries.map((q) => [`${q.panel} ${q.refId}`, q.expr]))('%s runs and answers with data', async (_, expr) => {
    const answer = await prometheus.query(withVariables(expr, TEST_VARIABLES))
    expect(answer.length, expr).toBeGreaterThan(0)
  })

  it('shows the traffic: requests, registrations, a rejected duplicate and the target up', async () => {
    const panel = (title: string, refId = 'A') => {
      const query = queries.find((q) => q.panel === title && q.refId === refId)
      if (query === undefined) throw new Error(`no panel ${title} ${refId}`)
      return prometheus.query(withVariables(query.expr, TEST_VARIABLES))
    }
    expect((await panel('Targets up'))[0]?.value).toBe(1)
    expect((await panel('Request rate'))[0]?.value).toBeGreaterThan(0)
    expect((await panel('Users'))[0]?.value).toBeGreaterThan(0)
    const commands = await panel('Command rate by command and outcome')
    const rateOf = (outcome: string) =>
      commands.find((s) => s.metric.command === 'register-user' && s.metric.outcome === outcome)?.value
    expect(rateOf('success')).toBeGreaterThan(0)
    expect(rateOf('business-rule')).toBeGreaterThan(0)
    // A series born at 1 shows no increase to rate(): the 409's own series is there, not its rate.
    const routes = await panel('HTTP request rate by route and status')
    expect(routes.map((s) => `${s.metric.route} ${s.metric.status}`)).toContain('/api/v1/users 409')
    const latency = (await panel('Command latency p50 / p95 / p99', 'C')).find(
      (s) => s.metric.command === 'register-user',
    )
    expect(latency?.value).toBeGreaterThan(0)
  })
})
