// The route walk of `validate alerting --alertmanager-url`, held to Alertmanager's own: for each
// label set, the receivers must be those `amtool config routes test` prints for the same file.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { binariesRequired, hasBinary } from '@eventcore/service/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { alertRoutingOf, receiversOf } from './alert-routing.js'

const CONFIG = `
route:
  receiver: default
  group_by: [alertname]
  routes:
    - matchers: ['severity="critical"', 'alertname!="Watchdog"']
      receiver: pager
      continue: true
    - match_re: { alertname: 'EventCore.*' }
      receiver: chat
      routes:
        - match: { team: db }
          receiver: dba
        - matchers: ['instance=~"replica-[0-9]+"', 'job!~"batch|cron"']
          receiver: replicas
receivers:
  - name: default
  - name: pager
    pagerduty_configs: [{ routing_key: 'not-a-real-key' }]
  - name: chat
    webhook_configs: [{ url: 'http://127.0.0.1:9/' }]
  - name: dba
    webhook_configs: [{ url: 'http://127.0.0.1:9/' }]
  - name: replicas
    webhook_configs: [{ url: 'http://127.0.0.1:9/' }]
`

const CASES: readonly Record<string, string>[] = [
  { alertname: 'EventCoreDown', severity: 'critical' },
  { alertname: 'Watchdog', severity: 'critical' },
  { alertname: 'EventCoreMemoryHigh', severity: 'warning' },
  { alertname: 'EventCoreMemoryHigh', severity: 'warning', team: 'db' },
  { alertname: 'EventCoreDown', severity: 'critical', team: 'db' },
  { alertname: 'EventCoreLagging', instance: 'replica-12', job: 'eventcore' },
  { alertname: 'EventCoreLagging', instance: 'replica-12', job: 'cron' },
  { alertname: 'EventCoreLagging', instance: 'replica-x' },
  { alertname: 'NotOurs', severity: 'warning' },
  {},
]

describe('receiversOf', () => {
  const routing = alertRoutingOf(CONFIG)

  it('lists receivers with their integrations', () => {
    expect(routing.receivers.get('pager')).toEqual(['pagerduty_configs'])
    expect(routing.receivers.get('default')).toEqual([])
  })

  it('refuses text that is not an Alertmanager configuration', () => {
    expect(() => alertRoutingOf('receivers: []')).toThrow(/route/)
    expect(() => alertRoutingOf("route: { receiver: a, matchers: ['not a matcher'] }")).toThrow(/not a label matcher/)
  })

  const available = hasBinary('amtool')
  const required = binariesRequired()
  if (!available && !required)
    console.warn('skipping the amtool cross-check: no amtool (apt-get install prometheus-alertmanager)')
  describe.skipIf(!available && !required)('agrees with amtool config routes test', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventcore-routes-'))
    const file = join(dir, 'alertmanager.yml')
    writeFileSync(file, CONFIG)
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    it.each(CASES)('for %o', (labels) => {
      if (!available) throw new Error('CI needs amtool: apt-get install -y prometheus-alertmanager (see .ci/run)')
      const args = ['config', 'routes', 'test', `--config.file=${file}`]
      const pairs = Object.entries(labels).map(([label, value]) => `${label}=${value}`)
      const printed = execFileSync('amtool', [...args, ...pairs], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      expect(receiversOf(routing.route, labels)).toEqual(printed.trim().split(','))
    })
  })
})
