// End to end: the built users service and a real Prometheus scraping it on loopback with the deploy
// kit's rule files (every deploy/prometheus/*.rules.yml). After traffic, Prometheus has every
// series DESIGN §6 and the production checklist require; it loads every rule without an error;
// EventCoreDown stays inactive while the service is up, and goes pending, then firing after its
// `for`, once the service is killed. Skipped, saying so, where the binary is absent; in CI (CI=true
// or EVENTCORE_TEST_REQUIRE_PROMETHEUS=1) an absent binary fails instead.
import {
  binariesRequired,
  type ChildService,
  hasPrometheus,
  type PrometheusAlert,
  startPrometheus,
  type TestPrometheus,
} from '@eventcore/service/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { declaredRules, type LoadedRule, loadedRules, ruleFiles } from './prometheus-rules.js'
import { until } from './until.js'
import { driveTraffic, startUsersService } from './users-traffic.js'

/** The series DESIGN §6 and the production checklist name (histograms by their buckets). */
const REQUIRED_SERIES = [
  'eventcore_commands_total',
  'eventcore_command_duration_seconds_bucket',
  'eventcore_command_errors_total',
  'eventcore_command_retries_total',
  'eventcore_events_written_total',
  'eventcore_active_streams',
  'eventcore_projection_lag_seconds',
  'eventcore_projection_events_processed_total',
  'eventcore_connection_pool_size',
  'eventcore_connection_pool_max_size',
  'eventcore_connection_pool_errors_total',
  'eventcore_http_requests_total',
  'eventcore_http_request_duration_seconds_bucket',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_eventloop_lag_seconds',
  'users_registered_total',
  'users_deactivated_total',
]

const ALERT = 'EventCoreDown'

const available = hasPrometheus()
const required = binariesRequired()
if (!available && !required) {
  console.warn(
    'skipping the Prometheus end-to-end test: no prometheus binary on the PATH (apt-get install -y prometheus)',
  )
}

describe.skipIf(!available && !required)('the users service on a real Prometheus with the deploy kit rules', () => {
  const files = ruleFiles()
  const declared = declaredRules(files)
  let service: ChildService
  let prometheus: TestPrometheus
  let host: string
  const rules = async () => (await loadedRules(prometheus.url)).flatMap((group) => group.rules)
  const alertRule = async (): Promise<LoadedRule | undefined> => (await rules()).find((rule) => rule.name === ALERT)
  const firedAlerts = async (): Promise<PrometheusAlert[]> =>
    (await prometheus.alerts()).filter((alert) => alert.labels.alertname === ALERT)
  // The slowest group's evaluation interval bounds how long a rule takes to notice anything.
  let evaluationMs = 1000

  beforeAll(async () => {
    if (!available) throw new Error('CI needs the prometheus binary: apt-get install -y prometheus (see .ci/run)')
    service = await startUsersService()
    host = new URL(service.url).host
    prometheus = await startPrometheus({ targets: { eventcore: service.url }, ruleFiles: files })
    await prometheus.scraped(['eventcore'])
    evaluationMs = 1000 * Math.max(1, ...(await loadedRules(prometheus.url)).map((group) => group.interval))
    await driveTraffic(service.url)
    await until(
      'a scrape after the traffic',
      () => prometheus.query('users_registered_total{job="eventcore"}'),
      (answer) => answer[0]?.value === 2,
      20_000,
    )
  }, 60_000)
  afterAll(async () => {
    await prometheus?.stop()
    await service?.kill()
  })

  it('has every required series, labelled with the job and the instance', async () => {
    const missing: string[] = []
    for (const name of REQUIRED_SERIES) {
      const answer = await prometheus.query(`${name}{job="eventcore"}`)
      if (answer.length === 0) missing.push(name)
      for (const sample of answer) expect(sample.metric, name).toMatchObject({ job: 'eventcore', instance: host })
    }
    expect(missing).toEqual([])
    const success = await prometheus.query(
      'eventcore_commands_total{job="eventcore", command="register-user", outcome="success"}',
    )
    expect(success.map((s) => s.value)).toEqual([2])
  })

  it('loads every group and rule of deploy/prometheus/*.rules.yml, each evaluated without an error', async () => {
    expect(declared.rules).toContain(ALERT)
    const groups = await until(
      'every rule evaluated',
      () => loadedRules(prometheus.url),
      (loaded) => loaded.flatMap((g) => g.rules).every((rule) => rule.health !== 'unknown'),
      3 * evaluationMs + 10_000,
    )
    expect(groups.map((g) => g.name).sort()).toEqual([...declared.groups].sort())
    expect(groups.flatMap((g) => g.rules.map((r) => r.name)).sort()).toEqual([...declared.rules].sort())
    const failing = groups
      .flatMap((g) => g.rules)
      .filter((rule) => rule.health !== 'ok' || (rule.lastError ?? '') !== '')
    expect(failing.map((rule) => `${rule.name}: ${rule.health} ${rule.lastError ?? ''}`)).toEqual([])
    expect(prometheus.log()).not.toMatch(/level=error/)
  })

  it(`keeps ${ALERT} inactive while the service is up`, async () => {
    const rule = await until('EventCoreDown evaluated', alertRule, (r) => r?.health === 'ok', 3 * evaluationMs + 10_000)
    expect(rule).toMatchObject({ type: 'alerting', state: 'inactive', labels: { severity: 'critical' } })
    expect(await firedAlerts()).toEqual([])
  })

  it(`raises ${ALERT}: pending once the service is killed, firing after its "for"`, async () => {
    const forSeconds = (await alertRule())?.duration ?? 0
    expect(forSeconds).toBeGreaterThan(0)
    await service.kill()
    const killedAt = Date.now()
    const pending = await until(
      `${ALERT} pending`,
      firedAlerts,
      (alerts) => alerts.some((a) => a.state === 'pending'),
      2 * evaluationMs + 10_000,
    )
    expect(pending[0]?.labels).toMatchObject({ severity: 'critical', job: 'eventcore', instance: host })
    expect((await alertRule())?.state).toBe('pending')
    const firing = await until(
      `${ALERT} firing`,
      firedAlerts,
      (alerts) => alerts.some((a) => a.state === 'firing'),
      1000 * forSeconds + 2 * evaluationMs + 20_000,
      1000,
    )
    // Not before its `for` has passed since the service was killed.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1000 * forSeconds)
    expect(firing.find((a) => a.state === 'firing')?.labels).toMatchObject({ severity: 'critical', instance: host })
    expect((await alertRule())?.state).toBe('firing')
  }, 180_000)
})
