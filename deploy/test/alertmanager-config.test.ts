// deploy/alertmanager/alertmanager.yml as amtool (the Debian prometheus-alertmanager package) reads
// it: valid, free of secrets, and routing each EventCore alert by severity. Skipped, saying so,
// where amtool is absent; in CI an absent amtool fails instead.
import { existsSync, readFileSync } from 'node:fs'
import { binariesRequired, hasBinary } from '@eventcore/service/testing'
import { beforeAll, describe, expect, it } from 'vitest'
import { ALERTMANAGER_CONFIG } from './alertmanager-test-config.js'
import { deployFile } from './deploy-files.js'
import { runCommand } from './run-command.js'

const available = hasBinary('amtool')
const required = binariesRequired()
if (!available && !required) {
  console.warn('skipping the amtool tests: no amtool on the PATH (apt-get install -y prometheus-alertmanager)')
}

const PAGE = 'eventcore-pager,eventcore-chat'
const CHAT = 'eventcore-chat'
const TRIAGE = 'eventcore-triage'

/** Every alert of deploy/prometheus/alerts.rules.yml with each severity it fires at, and where it must go. */
const ROUTES: readonly [alertname: string, severity: 'critical' | 'warning', receivers: string][] = [
  ['EventCoreDown', 'critical', PAGE],
  ['EventCoreHighErrorRate', 'critical', PAGE],
  ['EventCoreDatabaseConnectionFailures', 'critical', PAGE],
  ['EventCoreProjectionStopped', 'critical', PAGE],
  ['EventCoreAvailabilityBudgetBurn', 'critical', PAGE],
  ['EventCoreLatencyBudgetBurn', 'critical', PAGE],
  ['EventCoreAvailabilityBudgetBurn', 'warning', CHAT],
  ['EventCoreLatencyBudgetBurn', 'warning', CHAT],
  ['EventCoreDatabaseConnectionFailures', 'warning', CHAT],
  ['EventCoreCommandLatencyHigh', 'warning', CHAT],
  ['EventCoreProjectionLagging', 'warning', CHAT],
  ['EventCoreConnectionPoolSaturated', 'warning', CHAT],
  ['EventCoreDeadLetters', 'warning', CHAT],
  ['EventCoreMemoryHigh', 'warning', CHAT],
]

const routesTest = (receivers: string, labels: readonly string[]) =>
  runCommand('amtool', [
    'config',
    'routes',
    'test',
    `--config.file=${ALERTMANAGER_CONFIG}`,
    `--verify.receivers=${receivers}`,
    ...labels,
  ])

describe.skipIf(!available && !required)('alertmanager.yml under amtool', () => {
  beforeAll(() => {
    if (!available) throw new Error('CI needs amtool: apt-get install -y prometheus-alertmanager (see .ci/run)')
  })

  it('passes amtool check-config as committed, secret files not needed until a notification is sent', async () => {
    const run = await runCommand('amtool', ['check-config', ALERTMANAGER_CONFIG])
    expect(run.stdout + run.stderr).toContain('SUCCESS')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/- 3 inhibit rules/)
    expect(run.stdout).toMatch(/- 3 receivers/)
  })

  it('holds no secret: the routing key and webhook URL come from files', () => {
    const text = readFileSync(ALERTMANAGER_CONFIG, 'utf8')
    expect(text).not.toMatch(/^\s*(routing_key|service_key|api_url|url|slack_api_url):/m)
    expect(text).not.toMatch(/hooks\.slack\.com/)
    expect(text).toMatch(/routing_key_file: \/etc\/alertmanager\/secrets\//)
    expect(text).toMatch(/api_url_file: \/etc\/alertmanager\/secrets\//)
  })

  it.each(ROUTES)('routes %s (%s) to %s', async (alertname, severity, receivers) => {
    const run = await routesTest(receivers, [`alertname=${alertname}`, `severity=${severity}`, 'job=eventcore'])
    expect(run.stdout.trim()).toBe(receivers)
    expect(run.code).toBe(0)
  })

  it('sends an alert without a known severity to triage, not nowhere', async () => {
    for (const labels of [
      ['alertname=EventCoreNew', 'job=eventcore'],
      ['alertname=Other', 'severity=info'],
    ]) {
      const run = await routesTest(TRIAGE, labels)
      expect(run.stdout.trim()).toBe(TRIAGE)
      expect(run.code).toBe(0)
    }
  })

  it('fails the routing test when the expectation is wrong (the check can fail)', async () => {
    const run = await routesTest('eventcore-pager', ['alertname=EventCoreDeadLetters', 'severity=warning'])
    expect(run.stdout).toMatch(/^eventcore-chat\nWARNING: Expected receivers did not match resolved receivers/)
    expect(run.code).toBe(1)
  })

  // The rules file is written alongside; once it exists, every alert and severity it defines must be
  // in the table above, so a new alert cannot go unrouted or untested.
  const rules = deployFile('prometheus', 'alerts.rules.yml')
  it.skipIf(!existsSync(rules))('covers every alert and severity deploy/prometheus/alerts.rules.yml defines', () => {
    const defined = readFileSync(rules, 'utf8')
      .split(/^\s*- alert:\s*/m)
      .slice(1)
      .map((rule) => `${/^["']?(\w+)/.exec(rule)?.[1]} ${/^\s*severity:\s*["']?(\w+)/m.exec(rule)?.[1]}`)
    expect(defined.length).toBeGreaterThan(0)
    const routed = new Set(ROUTES.map(([alertname, severity]) => `${alertname} ${severity}`))
    expect(defined.filter((pair) => !routed.has(pair))).toEqual([])
  })
})
