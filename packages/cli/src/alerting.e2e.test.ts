// `eventcore-cli validate alerting` and the checklist's alerting items, as built, against a real
// Prometheus evaluating the deploy kit's rules on the real users service and a real Alertmanager
// running the deploy kit's configuration. Skipped, saying so, where the binaries are absent; in CI
// an absent binary fails instead.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  alertmanagerBinary,
  binariesRequired,
  type ChildService,
  hasPrometheus,
  startAlertmanager,
  startPrometheus,
  type TestAlertmanager,
  type TestPrometheus,
} from '@eventcore/service/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { REQUIRED_ALERTS } from './alerting-validation.js'
import type { ChecklistReport } from './checklist/report.js'
import { runBuiltCli, startUsersService } from './test-cli.js'

const DEPLOY = join(import.meta.dirname, '../../../deploy')
const RULE_FILES = ['alerts.rules.yml', 'recording.rules.yml'].map((file) => join(DEPLOY, 'prometheus', file))
const ALERTMANAGER_CONFIG = join(DEPLOY, 'alertmanager', 'alertmanager.yml')

const available = hasPrometheus() && alertmanagerBinary() !== undefined
const required = binariesRequired()
if (!available && !required) {
  console.warn(
    'skipping the alerting tests: no prometheus or alertmanager (apt-get install prometheus prometheus-alertmanager)',
  )
}

describe('REQUIRED_ALERTS', () => {
  it('are the alerts of deploy/prometheus/alerts.rules.yml, each with its severity', () => {
    const file = parse(readFileSync(RULE_FILES[0] ?? '', 'utf8')) as {
      groups: { rules: { alert?: string; labels?: { severity?: string } }[] }[]
    }
    const defined = file.groups.flatMap((group) =>
      group.rules.flatMap((rule) => (rule.alert ? [`${rule.alert}/${rule.labels?.severity}`] : [])),
    )
    expect(REQUIRED_ALERTS.map((alert) => `${alert.name}/${alert.severity}`).sort()).toEqual(defined.sort())
  })
})

describe.skipIf(!available && !required)('eventcore-cli validate alerting', () => {
  let service: ChildService
  let alertmanager: TestAlertmanager
  let prometheus: TestPrometheus
  let bare: TestPrometheus
  const scratch = mkdtempSync(join(tmpdir(), 'eventcore-alerting-'))
  beforeAll(async () => {
    if (!available) throw new Error('CI needs prometheus and prometheus-alertmanager (see .ci/run)')
    service = await startUsersService()
    alertmanager = await startAlertmanager(ALERTMANAGER_CONFIG)
    prometheus = await startPrometheus({
      targets: { eventcore: service.url },
      ruleFiles: RULE_FILES,
      alertmanagers: [alertmanager.url],
    })
    // The same service without the deploy kit: no rules, no Alertmanager.
    bare = await startPrometheus({ targets: { eventcore: service.url } })
    await Promise.all([prometheus.scraped(['eventcore']), bare.scraped(['eventcore'])])
  }, 60_000)
  afterAll(async () => {
    await bare?.stop()
    await prometheus?.stop()
    await alertmanager?.stop()
    await service?.kill()
    rmSync(scratch, { recursive: true, force: true })
  })

  const validate = (prometheusUrl: string, alertmanagerUrl?: string) =>
    runBuiltCli([
      'validate',
      'alerting',
      '--prometheus-url',
      prometheusUrl,
      ...(alertmanagerUrl === undefined ? [] : ['--alertmanager-url', alertmanagerUrl]),
    ])

  it("passes once Prometheus evaluates the deploy kit's rules and Alertmanager routes them", async () => {
    // Prometheus finds its Alertmanager and evaluates each group within a few seconds of starting.
    await expect.poll(async () => (await validate(prometheus.url, alertmanager.url)).code, { timeout: 20_000 }).toBe(0)
    const run = await validate(prometheus.url, alertmanager.url)
    expect(run.stderr).toBe('')
    for (const alert of REQUIRED_ALERTS) {
      expect(run.stdout).toMatch(new RegExp(`^✅ ${alert.severity} alert ${alert.name} — loaded and evaluating`, 'm'))
    }
    expect(run.stdout).toMatch(/^✅ SLO recording rules evaluate — \d+ rules, every one evaluating$/m)
    expect(run.stdout).toMatch(/^✅ alertmanager receives the alerts — http:\/\/127\.0\.0\.1:\d+\/api\/v2\/alerts$/m)
    expect(run.stdout).toMatch(/^✅ alertmanager routes critical alerts — to .*\(pagerduty_configs\)/m)
    expect(run.stdout).toMatch(/^✅ alertmanager routes warnings apart from pages — to .*\(slack_configs\)/m)
  })

  it('fails for a Prometheus without the rules or an Alertmanager, naming what is missing', async () => {
    const run = await validate(bare.url)
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      /^❌ critical alert EventCoreDown — not loaded: add deploy\/prometheus\/alerts.rules.yml/m,
    )
    expect(run.stdout).toMatch(/^❌ SLO recording rules evaluate — none loaded/m)
    expect(run.stdout).toMatch(/^❌ alertmanager receives the alerts — Prometheus sends alerts to no Alertmanager/m)
  })

  it('warns when warnings page people, and fails when criticals notify nobody', async () => {
    const file = join(scratch, 'everything-to-the-pager.yml')
    writeFileSync(
      file,
      [
        'route:',
        '  receiver: pager',
        '  routes:',
        '    - matchers: [\'alertname="EventCoreDown"\']',
        '      receiver: nobody',
        'receivers:',
        '  - name: pager',
        "    pagerduty_configs: [{ routing_key: 'not-a-key' }]",
        '  - name: nobody',
        '',
      ].join('\n'),
    )
    const paging = await startAlertmanager(file)
    try {
      const run = await validate(prometheus.url, paging.url)
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(/^❌ alertmanager routes critical alerts — notify nobody: EventCoreDown$/m)
      expect(run.stdout).toMatch(/^⚠️ {2}alertmanager routes warnings apart from pages — warnings page people: /m)
    } finally {
      await paging.stop()
    }
  })

  it('lets the checklist judge the alerting and SLO items from them', async () => {
    const run = await runBuiltCli([
      'checklist',
      '--prometheus-url',
      prometheus.url,
      '--alertmanager-url',
      alertmanager.url,
      '--format',
      'json',
    ])
    const report = JSON.parse(run.stdout) as ChecklistReport
    const items = report.sections.flatMap((section) => section.groups.flatMap((group) => group.items))
    const statusOf = (id: string) => items.find((item) => item.id === id)?.status
    for (const id of [
      'alerting.critical',
      'alerting.warning',
      'alerting.routing',
      'monitoring.slo',
      'monitoring.slo-active',
    ])
      expect([id, statusOf(id)]).toEqual([id, 'pass'])
    const bareRun = await runBuiltCli(['checklist', '--prometheus-url', bare.url, '--format', 'json'])
    const bareItems = (JSON.parse(bareRun.stdout) as ChecklistReport).sections.flatMap((section) =>
      section.groups.flatMap((group) => group.items),
    )
    expect(bareItems.find((item) => item.id === 'alerting.critical')?.status).toBe('fail')
    expect(bareItems.find((item) => item.id === 'alerting.routing')?.status).toBe('fail')
  })
})
