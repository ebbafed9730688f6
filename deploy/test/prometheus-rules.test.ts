// The Prometheus rules of the deploy kit (deploy/prometheus/): promtool accepts them and their unit
// tests pass; every alert has a test where it fires and one where it stays silent, the labels and
// annotations Alertmanager and on-call rely on, and a runbook; every metric and label value the
// rules read is one the real users service exports. promtool is the Debian package's
// (prometheus); without it the promtool tests are skipped locally, saying so, and fail in CI.
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  binariesRequired,
  type ChildService,
  hasBinary,
  hasPrometheus,
  spawnService,
  startPrometheus,
  type TestPrometheus,
} from '@eventcore/service/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { deployFile, REPO_ROOT } from './deploy-files.js'

const RULE_FILES = ['alerts.rules.yml', 'recording.rules.yml'].map((file) => deployFile('prometheus', file))
const TESTS_DIR = deployFile('prometheus', 'tests')
const TEST_FILES = readdirSync(TESTS_DIR)
  .filter((file) => file.endsWith('.test.yml'))
  .map((file) => join(TESTS_DIR, file))
const RUNBOOK_PREFIX = 'https://github.com/eventcore/eventcore/blob/main/docs/runbooks/'
const USERS_SERVICE_MAIN = join(REPO_ROOT, 'examples/users-service/dist/main.js')

interface Rule {
  readonly alert?: string
  readonly record?: string
  readonly expr: string
  readonly for?: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
}
interface RuleFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly Rule[] }[]
}
interface AlertCase {
  readonly alertname: string
  readonly exp_alerts?: readonly { readonly exp_labels?: Readonly<Record<string, string>> }[]
}
interface TestFile {
  readonly rule_files: readonly string[]
  readonly group_eval_order?: readonly string[]
  readonly tests: readonly { readonly name?: string; readonly alert_rule_test?: readonly AlertCase[] }[]
}

const rulesOf = (path: string): Rule[] =>
  (parse(readFileSync(path, 'utf8')) as RuleFile).groups.flatMap((group) => group.rules)
const alertRules = rulesOf(RULE_FILES[0] ?? '').filter((rule) => rule.alert !== undefined)
const recordingRules = RULE_FILES.flatMap(rulesOf).filter((rule) => rule.record !== undefined)
const allRules = RULE_FILES.flatMap(rulesOf)
const alertCases = TEST_FILES.flatMap((file) =>
  (parse(readFileSync(file, 'utf8')) as TestFile).tests.flatMap((test) => test.alert_rule_test ?? []),
)

function run(command: string, args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: REPO_ROOT, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
      resolve({ code, output: `${stdout}${stderr}` })
    })
  })
}

const available = hasBinary('promtool')
const required = binariesRequired()
if (!available && !required) {
  console.warn(
    'skipping the promtool tests of deploy/prometheus: no promtool on the PATH (apt-get install -y prometheus)',
  )
}

describe.skipIf(!available && !required)('promtool on deploy/prometheus', () => {
  beforeAll(() => {
    if (!available) throw new Error('CI needs promtool: apt-get install -y prometheus (see .ci/run)')
  })

  it('accepts every rule file, with every rule in it', async () => {
    const { code, output } = await run('promtool', ['check', 'rules', ...RULE_FILES])
    expect(output).not.toMatch(/FAILED|error/i)
    expect(code).toBe(0)
    expect(output).toContain(`SUCCESS: ${alertRules.length} rules found`)
    expect(output).toContain(`SUCCESS: ${recordingRules.length} rules found`)
  })

  it('passes every unit test file', async () => {
    const { code, output } = await run('promtool', ['test', 'rules', ...TEST_FILES])
    expect(output).not.toContain('FAILED')
    expect(code).toBe(0)
    expect(output.match(/SUCCESS/g)).toHaveLength(TEST_FILES.length)
  }, 60_000)

  // The unit tests would be worthless if they passed whatever the rules say: run them against
  // copies of the rules with one condition broken and expect the failure to name that alert.
  it.each([
    ['EventCoreDown', 'service', ' or absent(up{job="eventcore"})', ''],
    [
      'EventCoreHighErrorRate',
      'service',
      'eventcore:commands:rate5m{job="eventcore"} >= 0.2',
      'eventcore:commands:rate5m{job="eventcore"} >= 0',
    ],
    [
      'EventCoreProjectionStopped',
      'projections',
      'state=~"failed|stopped|waiting"',
      'state=~"failed|stopped|waiting|standby"',
    ],
    [
      'EventCoreConnectionPoolSaturated',
      'projections',
      'eventcore_connection_pool_max_size{job="eventcore"} > 1',
      'eventcore_connection_pool_max_size{job="eventcore"} > 0',
    ],
  ])(
    'fails the unit tests of %s when its rule is broken',
    async (alert, testFile, from, to) => {
      const dir = mkdtempSync(join(tmpdir(), 'eventcore-rules-'))
      try {
        cpSync(deployFile('prometheus'), dir, { recursive: true })
        const alerts = readFileSync(join(dir, 'alerts.rules.yml'), 'utf8')
        expect(alerts).toContain(from)
        writeFileSync(join(dir, 'alerts.rules.yml'), alerts.replace(from, to))
        const { code, output } = await run('promtool', ['test', 'rules', join(dir, 'tests', `${testFile}.test.yml`)])
        expect(code).not.toBe(0)
        expect(output).toContain(`alertname: ${alert},`)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
    60_000,
  )
})

describe('alert rules', () => {
  it('are the alerts the Alertmanager routing and the runbooks name', () => {
    expect([...new Set(alertRules.map((rule) => rule.alert))].sort()).toEqual([
      'EventCoreAvailabilityBudgetBurn',
      'EventCoreCommandLatencyHigh',
      'EventCoreConnectionPoolSaturated',
      'EventCoreDatabaseConnectionFailures',
      'EventCoreDeadLetters',
      'EventCoreDown',
      'EventCoreHighErrorRate',
      'EventCoreLatencyBudgetBurn',
      'EventCoreMemoryHigh',
      'EventCoreProjectionLagging',
      'EventCoreProjectionStopped',
    ])
    const down = alertRules.find((rule) => rule.alert === 'EventCoreDown')
    expect(down).toMatchObject({ for: '1m', labels: { severity: 'critical' } })
    expect(down?.expr).toContain('up{job="eventcore"} == 0')
  })

  it.each(alertRules.map((rule) => [`${rule.alert} (${rule.labels?.severity})`, rule] as const))(
    '%s has a severity, a summary, a templated description and a runbook with the three sections',
    (_name, rule) => {
      const { severity, slo, ...others } = rule.labels ?? {}
      expect(['critical', 'warning']).toContain(severity)
      expect(others).toEqual({})
      if (rule.alert?.endsWith('BudgetBurn')) expect(['availability', 'latency']).toContain(slo)
      else expect(slo).toBeUndefined()
      const { summary, description, runbook_url: runbookUrl } = rule.annotations ?? {}
      expect(summary?.trim()).toBeTruthy()
      expect(description).toMatch(/\{\{.*\$(labels|value).*\}\}/)
      // EventCoreDatabaseConnectionFailures → eventcore-database-connection-failures.md
      const file = `${rule.alert
        ?.replace(/^EventCore/, 'Eventcore')
        .replace(/(?<!^)([A-Z])/g, '-$1')
        .toLowerCase()}.md`
      expect(runbookUrl).toBe(`${RUNBOOK_PREFIX}${file}`)
      const runbook = join(REPO_ROOT, 'docs', 'runbooks', file)
      expect(existsSync(runbook), runbook).toBe(true)
      const text = readFileSync(runbook, 'utf8')
      expect(text.startsWith(`# ${rule.alert}\n`)).toBe(true)
      for (const section of ['What it means', 'How to confirm', 'What to do'])
        expect(text).toMatch(new RegExp(`^## ${section}\\n\\n\\S`, 'm'))
    },
  )

  it('each have a promtool case where they fire (at each severity) and one where they stay silent', () => {
    const firing = new Set(
      alertCases.flatMap((test) =>
        (test.exp_alerts ?? []).map((alert) => `${test.alertname}/${alert.exp_labels?.severity}`),
      ),
    )
    const silent = new Set(alertCases.filter((test) => (test.exp_alerts ?? []).length === 0).map((t) => t.alertname))
    const names = new Set(alertRules.map((rule) => rule.alert))
    for (const rule of alertRules) {
      expect(firing, `${rule.alert} firing at ${rule.labels?.severity}`).toContain(
        `${rule.alert}/${rule.labels?.severity}`,
      )
      expect(silent, `${rule.alert} silent`).toContain(rule.alert)
    }
    // A misspelt alertname in a test would check nothing: promtool expects no alert of that name.
    for (const test of alertCases) expect(names, test.alertname).toContain(test.alertname)
  })

  it('test files load both rule files and evaluate the recording groups first', () => {
    const groupsOf = (path: string) => (parse(readFileSync(path, 'utf8')) as RuleFile).groups.map((group) => group.name)
    const [alertGroups, recordingGroups] = RULE_FILES.map(groupsOf)
    for (const file of TEST_FILES) {
      const { rule_files: loaded, group_eval_order: order } = parse(readFileSync(file, 'utf8')) as TestFile
      expect([...loaded].sort(), file).toEqual(['../alerts.rules.yml', '../recording.rules.yml'])
      // Otherwise promtool's order varies between runs and a test at a `for` boundary is flaky.
      expect(order, file).toEqual([...(recordingGroups ?? []), ...(alertGroups ?? [])])
    }
  })
})

// Names that are PromQL, not metrics.
const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'bool', 'offset', 'inf', 'nan'])

/** A selector's metric name and its label matchers (`label`, operator, quoted value). */
interface Selector {
  readonly metric: string
  readonly matchers: readonly { readonly label: string; readonly op: string; readonly value: string }[]
}

/**
 * The metric selectors of a PromQL expression: identifiers that are neither functions (followed by
 * `(`), keywords, label names inside `{…}` or grouping lists `by (…)`, nor inside strings or ranges.
 */
function selectorsOf(expr: string): Selector[] {
  const stripped = expr
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
  const found: Selector[] = []
  for (const match of stripped.matchAll(/(?<![\w.:"])([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?(\s*\()?/g)) {
    const [, metric = '', braces = '', call] = match
    if (call !== undefined || PROMQL_WORDS.has(metric.toLowerCase())) continue
    const matchers = [...braces.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)].map(
      ([, label = '', op = '', value = '']) => ({
        label,
        op,
        value,
      }),
    )
    found.push({ metric, matchers })
  }
  return found
}

/** The samples of a Prometheus text exposition, by sample name (histograms as `_bucket`, `_count`…). */
function exposed(text: string): Map<string, Record<string, string>[]> {
  const samples = new Map<string, Record<string, string>[]>()
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+$/.exec(line)
    if (!match) continue
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    samples.set(match[1] ?? '', [...(samples.get(match[1] ?? '') ?? []), labels])
  }
  return samples
}

/** The plain values a matcher names (`a|b` → a, b); regex alternatives like `5..` say nothing to check. */
const literalValues = ({ op, value }: Selector['matchers'][number]) =>
  op === '=' || op === '!=' ? [value] : value.split('|').filter((part) => !/[.*+?()[\]{}^$\\]/.test(part))

describe('the metrics the rules read', () => {
  let service: ChildService
  let samples: Map<string, Record<string, string>[]>
  beforeAll(async () => {
    service = await spawnService(USERS_SERVICE_MAIN, {
      EVENTCORE_JWT_SECRET: 'deploy-rules-test-secret-0123456789abcdef',
      EVENTCORE_DATA_DIR: 'memory://',
    })
    // A probe and an API request without a token (401): counted like any request.
    expect((await fetch(`${service.url}/health`)).status).toBe(200)
    expect((await fetch(`${service.url}/api/v1/users`)).status).toBe(401)
    const answer = await fetch(`${service.url}/metrics`)
    expect(answer.status).toBe(200)
    samples = exposed(await answer.text())
  }, 60_000)
  afterAll(async () => {
    await service?.kill()
  })

  // Recording rules (level:metric:ops names) are computed by Prometheus; `up` is its own.
  const selectors = allRules
    .flatMap((rule) => selectorsOf(rule.expr))
    .filter(({ metric }) => !metric.includes(':') && metric !== 'up')
  const metrics = [...new Set(selectors.map(({ metric }) => metric))].sort()

  it('are found in the rules, the new projection metrics among them', () => {
    expect(metrics).toEqual(
      expect.arrayContaining([
        'eventcore_commands_total',
        'eventcore_command_errors_total',
        'eventcore_http_requests_total',
        'eventcore_http_request_duration_seconds_bucket',
        'eventcore_projection_state',
        'eventcore_projection_dead_letters_total',
        'process_resident_memory_bytes',
      ]),
    )
    expect(metrics.filter((name) => !/^(eventcore|process|nodejs)_/.test(name))).toEqual([])
  })

  it.each(metrics)('%s is exported by the users service, with the label values the rules name', (metric) => {
    const series = samples.get(metric)
    expect(series, `${metric} in /metrics`).toBeDefined()
    for (const { matchers } of selectors.filter((selector) => selector.metric === metric)) {
      for (const matcher of matchers.filter(({ label }) => label !== 'job' && label !== 'instance')) {
        const values = new Set(series?.map((labels) => labels[matcher.label]))
        for (const value of literalValues(matcher))
          expect(values, `${metric}{${matcher.label}${matcher.op}"${matcher.value}"}: ${value}`).toContain(value)
      }
    }
  })

  // The rules loaded by a real Prometheus scraping the service: the e2e test of the whole kit
  // (Grafana, Alertmanager) is elsewhere; this one shows that every rule evaluates on real series.
  const prometheusAvailable = hasPrometheus()
  if (!prometheusAvailable && !required) {
    console.warn(
      'skipping the real-Prometheus rule test: no prometheus binary on the PATH (apt-get install -y prometheus)',
    )
  }
  describe.skipIf(!prometheusAvailable && !required)('in a real Prometheus', () => {
    let prometheus: TestPrometheus
    beforeAll(async () => {
      if (!prometheusAvailable) throw new Error('CI needs prometheus: apt-get install -y prometheus (see .ci/run)')
      prometheus = await startPrometheus({ targets: { eventcore: service.url }, ruleFiles: RULE_FILES })
      await prometheus.scraped(['eventcore'])
    }, 60_000)
    afterAll(async () => {
      await prometheus?.stop()
    })

    it('evaluates every rule without error, and a healthy service raises no alert, not even pending', async () => {
      interface RuleState {
        readonly name: string
        readonly health: string
        readonly lastError?: string
      }
      const rules = async () => {
        const answer = await fetch(`${prometheus.url}/api/v1/rules`)
        const body = (await answer.json()) as { data: { groups: { rules: RuleState[] }[] } }
        return body.data.groups.flatMap((group) => group.rules)
      }
      // Requests while Prometheus scrapes, so the rates have two samples to differ.
      let sending = true
      const traffic = (async () => {
        while (sending) {
          await fetch(`${service.url}/api/v1/users`)
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      })()
      try {
        // The availability ratio is 0 from the start; the latency one needs two scrapes with requests
        // in between, later when the machine is busy.
        await expect
          .poll(
            async () =>
              (
                await Promise.all(
                  ['eventcore:slo_availability_errors:ratio_rate5m', 'eventcore:slo_latency_slow:ratio_rate5m'].map(
                    async (series) => (await prometheus.query(series)).filter((s) => Number.isFinite(s.value)).length,
                  ),
                )
              ).join(),
            { timeout: 30_000, interval: 250 },
          )
          .toBe('1,1')
      } finally {
        sending = false
        await traffic
      }
      // A group not evaluated yet says `unknown`; every one runs each second.
      await expect
        .poll(async () => (await rules()).filter((rule) => rule.health === 'unknown').length, { timeout: 10_000 })
        .toBe(0)
      const states = await rules()
      expect(states).toHaveLength(allRules.length)
      expect(states.filter((rule) => rule.health !== 'ok')).toEqual([])
      // 401s are answers, not failures; every one within 0.5 s.
      expect(await prometheus.query('eventcore:slo_availability_errors:ratio_rate5m')).toEqual([
        { metric: { __name__: 'eventcore:slo_availability_errors:ratio_rate5m', job: 'eventcore' }, value: 0 },
      ])
      expect((await prometheus.query('eventcore:slo_latency_slow:ratio_rate5m'))[0]?.value).toBe(0)
      // PGlite's pool of one is always busy, which is why the saturation alert leaves it out.
      expect((await prometheus.query('eventcore:connection_pool_busy:ratio'))[0]?.value).toBe(1)
      expect(await prometheus.alerts()).toEqual([])
    }, 60_000)
  })
})
