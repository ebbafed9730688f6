// deploy/alertmanager/alertmanager.yml in a real Alertmanager (the Debian package's binary): its
// inhibit rules silence symptoms while their cause fires, and the route tree delivers a critical
// group to PagerDuty and the channel, a warning to the channel only. Deliveries go to a local sink
// through a copy of the configuration that differs only in addresses and group_wait. Skipped,
// saying so, where the binary is absent; in CI an absent binary fails instead.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type AlertmanagerAlert,
  alertmanagerBinary,
  binariesRequired,
  startAlertmanager,
  type TestAlertmanager,
} from '@eventcore/service/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderDeliveryConfig, TEST_ROUTING_KEY } from './alertmanager-test-config.js'
import { startWebhookSink, type WebhookSink } from './webhook-sink.js'

const available = alertmanagerBinary() !== undefined
const required = binariesRequired()
if (!available && !required) {
  console.warn('skipping the Alertmanager tests: no alertmanager binary (apt-get install -y prometheus-alertmanager)')
}

const critical = (alertname: string, job: string, instance?: string) => ({
  labels: { alertname, severity: 'critical', job, ...(instance ? { instance } : {}) },
  annotations: { summary: `${alertname} on ${instance ?? job}`, runbook_url: `https://runbooks.example/${alertname}` },
})
const warning = (alertname: string, job: string, instance?: string) => ({
  labels: { alertname, severity: 'warning', job, ...(instance ? { instance } : {}) },
  annotations: { summary: `${alertname} on ${instance ?? job}` },
})

describe.skipIf(!available && !required)('alertmanager.yml in a real Alertmanager', () => {
  let dir: string
  let sink: WebhookSink
  let alertmanager: TestAlertmanager
  beforeAll(async () => {
    if (!available) throw new Error('CI needs alertmanager: apt-get install -y prometheus-alertmanager (see .ci/run)')
    dir = mkdtempSync(join(tmpdir(), 'eventcore-alertmanager-config-'))
    sink = await startWebhookSink()
    alertmanager = await startAlertmanager(renderDeliveryConfig(dir, sink.url))
  })
  afterAll(async () => {
    await alertmanager?.stop()
    await sink?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  // Each case posts its alerts under a job of its own, so cases cannot inhibit one another.
  const statusOf = async (job: string) => {
    const listed = await alertmanager.alerts()
    const mine = listed.filter((a) => a.labels.job === job)
    const key = (a: AlertmanagerAlert) => `${a.labels.alertname}/${a.labels.severity}/${a.labels.instance ?? '-'}`
    return Object.fromEntries(mine.map((a) => [key(a), a.status.state]))
  }
  const settled = async (job: string, expected: Record<string, string>) =>
    expect.poll(() => statusOf(job), { timeout: 10_000, interval: 100 }).toEqual(expected)

  it('EventCoreDown inhibits every other alert of its instance, not other instances or job-wide ones', async () => {
    const job = 'down-case'
    await alertmanager.send([
      critical('EventCoreDown', job, 'a:9464'),
      critical('EventCoreHighErrorRate', job, 'a:9464'),
      warning('EventCoreDeadLetters', job, 'a:9464'),
      warning('EventCoreMemoryHigh', job, 'b:9464'),
      critical('EventCoreAvailabilityBudgetBurn', job),
    ])
    await settled(job, {
      'EventCoreDown/critical/a:9464': 'active',
      'EventCoreHighErrorRate/critical/a:9464': 'suppressed',
      'EventCoreDeadLetters/warning/a:9464': 'suppressed',
      'EventCoreMemoryHigh/warning/b:9464': 'active',
      'EventCoreAvailabilityBudgetBurn/critical/-': 'active',
    })
    const listed = (await alertmanager.alerts()).filter((a) => a.labels.job === job)
    const down = listed.find((a) => a.labels.alertname === 'EventCoreDown')
    const errors = listed.find((a) => a.labels.alertname === 'EventCoreHighErrorRate')
    expect(errors?.status.inhibitedBy).toEqual([down?.fingerprint])
  })

  it('EventCoreDatabaseConnectionFailures inhibits the symptoms across its job, not unrelated alerts', async () => {
    const job = 'database-case'
    await alertmanager.send([
      critical('EventCoreDatabaseConnectionFailures', job, 'a:9464'),
      warning('EventCoreCommandLatencyHigh', job, 'b:9464'),
      critical('EventCoreHighErrorRate', job, 'b:9464'),
      critical('EventCoreLatencyBudgetBurn', job),
      warning('EventCoreProjectionLagging', job, 'a:9464'),
      critical('EventCoreProjectionStopped', job, 'a:9464'),
      warning('EventCoreConnectionPoolSaturated', job, 'b:9464'),
      warning('EventCoreDeadLetters', job, 'a:9464'),
      warning('EventCoreMemoryHigh', job, 'a:9464'),
      warning('EventCoreDatabaseConnectionFailures', job, 'a:9464'),
      critical('EventCoreHighErrorRate', 'database-case-other-job', 'c:9464'),
    ])
    await settled(job, {
      'EventCoreDatabaseConnectionFailures/critical/a:9464': 'active',
      'EventCoreCommandLatencyHigh/warning/b:9464': 'suppressed',
      'EventCoreHighErrorRate/critical/b:9464': 'suppressed',
      'EventCoreLatencyBudgetBurn/critical/-': 'suppressed',
      'EventCoreProjectionLagging/warning/a:9464': 'suppressed',
      'EventCoreProjectionStopped/critical/a:9464': 'suppressed',
      'EventCoreConnectionPoolSaturated/warning/b:9464': 'suppressed',
      'EventCoreDeadLetters/warning/a:9464': 'active',
      'EventCoreMemoryHigh/warning/a:9464': 'active',
      'EventCoreDatabaseConnectionFailures/warning/a:9464': 'suppressed',
    })
    await settled('database-case-other-job', { 'EventCoreHighErrorRate/critical/c:9464': 'active' })
  })

  it('lost connections (the warning of EventCoreDatabaseConnectionFailures) silence nothing', async () => {
    const job = 'lost-connections-case'
    await alertmanager.send([
      warning('EventCoreDatabaseConnectionFailures', job, 'a:9464'),
      critical('EventCoreHighErrorRate', job, 'a:9464'),
      warning('EventCoreCommandLatencyHigh', job, 'a:9464'),
    ])
    await settled(job, {
      'EventCoreDatabaseConnectionFailures/warning/a:9464': 'active',
      'EventCoreHighErrorRate/critical/a:9464': 'active',
      'EventCoreCommandLatencyHigh/warning/a:9464': 'active',
    })
  })

  it('a fast burn (critical) inhibits the slow burn (warning) of the same alert and job only', async () => {
    const job = 'burn-case'
    await alertmanager.send([
      critical('EventCoreAvailabilityBudgetBurn', job),
      warning('EventCoreAvailabilityBudgetBurn', job),
      warning('EventCoreLatencyBudgetBurn', job),
    ])
    await settled(job, {
      'EventCoreAvailabilityBudgetBurn/critical/-': 'active',
      'EventCoreAvailabilityBudgetBurn/warning/-': 'suppressed',
      'EventCoreLatencyBudgetBurn/warning/-': 'active',
    })
  })

  it('pages a critical group once with every instance, copies it to the channel, and posts warnings only there', async () => {
    const job = 'delivery-case'
    await alertmanager.send([
      critical('EventCoreDown', job, 'a:9464'),
      critical('EventCoreDown', job, 'b:9464'),
      critical('EventCoreHighErrorRate', job, 'a:9464'),
      warning('EventCoreMemoryHigh', job, 'c:9464'),
    ])
    const mine = (path: string) =>
      sink
        .deliveries()
        .filter((d) => d.path === path && JSON.stringify(d.body).includes(job))
        .map((d) => d.body as Record<string, unknown>)
    // group_wait is 1 s in the test copy: the groups are flushed together once it has passed.
    await expect.poll(() => mine('/slack').length, { timeout: 15_000, interval: 200 }).toBe(2)
    const pages = mine('/pagerduty')
    expect(pages).toHaveLength(1)
    expect(pages[0]).toMatchObject({
      routing_key: TEST_ROUTING_KEY,
      event_action: 'trigger',
      payload: {
        severity: 'critical',
        summary: `EventCoreDown (${job}): 2 alerts firing`,
        // Both instances, in whichever order the group lists them.
        custom_details: {
          firing: expect.stringMatching(
            /^(?=.*a:9464 EventCoreDown on a:9464; )(?=.*b:9464 EventCoreDown on b:9464; )/,
          ),
        },
      },
    })

    const slack = mine('/slack').map((b) => ({
      channel: b.channel,
      title: (b.attachments as { title: string }[])[0]?.title,
    }))
    expect(slack).toEqual(
      expect.arrayContaining([
        { channel: '#eventcore-alerts', title: `[FIRING] critical: EventCoreDown (${job})` },
        { channel: '#eventcore-alerts', title: `[FIRING] warning: EventCoreMemoryHigh (${job})` },
      ]),
    )
    // The inhibited symptom was flushed with the same timing and never sent anywhere.
    const sent = [...mine('/slack'), ...mine('/pagerduty')].map((body) => JSON.stringify(body))
    expect(sent.filter((text) => text.includes('EventCoreHighErrorRate'))).toEqual([])
  })
})
