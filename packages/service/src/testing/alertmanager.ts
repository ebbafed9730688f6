// Test support (`@eventcore/service/testing`): a real Alertmanager (the Debian package's binary,
// `prometheus-alertmanager`, or `alertmanager` elsewhere) on a free loopback port, alone (no
// cluster), with its storage in a scratch directory.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, hasBinary } from './prometheus.js'
import { launchTool } from './tool-process.js'

/** The Alertmanager binary on the PATH (Debian names it `prometheus-alertmanager`), if any. */
export function alertmanagerBinary(): string | undefined {
  return ['prometheus-alertmanager', 'alertmanager'].find(hasBinary)
}

/** An alert as Alertmanager's `/api/v2/alerts` lists it (the fields tests read). */
export interface AlertmanagerAlert {
  readonly labels: Readonly<Record<string, string>>
  readonly fingerprint: string
  readonly status: {
    readonly state: 'active' | 'suppressed' | 'unprocessed'
    readonly inhibitedBy: readonly string[]
    readonly silencedBy: readonly string[]
  }
  readonly receivers: readonly { readonly name: string }[]
}

/** A running Alertmanager. */
export interface TestAlertmanager {
  readonly url: string
  /** Posts alerts (labels, optional annotations) as Prometheus does, firing from now. */
  send(alerts: readonly { labels: Record<string, string>; annotations?: Record<string, string> }[]): Promise<void>
  /** The alerts it holds, with their state (`suppressed` with `inhibitedBy` when inhibited). */
  alerts(): Promise<AlertmanagerAlert[]>
  /** Everything it logged so far. */
  log(): string
  stop(): Promise<void>
}

/**
 * Starts an Alertmanager with the configuration file `configFile` (an `alertmanager.yml`); resolves
 * once it is ready. `stop()` ends it and removes its storage.
 *
 * @example
 * const alertmanager = await startAlertmanager('deploy/alertmanager/alertmanager.yml')
 * await alertmanager.send([{ labels: { alertname: 'EventCoreDown', severity: 'critical', job: 'eventcore' } }])
 */
export async function startAlertmanager(configFile: string): Promise<TestAlertmanager> {
  const binary = alertmanagerBinary()
  if (binary === undefined) throw new Error('no alertmanager binary: apt-get install -y prometheus-alertmanager')
  const dir = mkdtempSync(join(tmpdir(), 'eventcore-alertmanager-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const tool = launchTool(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // An empty address turns clustering (gossip on 0.0.0.0:9094) off.
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    dir,
  )
  try {
    await tool.until('not ready', async () => (await fetch(`${url}/-/ready`)).ok, 20_000)
  } catch (error) {
    await tool.stop()
    throw error
  }
  return {
    url,
    send: async (alerts) => {
      const startsAt = new Date().toISOString()
      const answer = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts.map((alert) => ({ ...alert, startsAt }))),
      })
      if (!answer.ok) throw new Error(`alertmanager refused the alerts: ${answer.status} ${await answer.text()}`)
    },
    alerts: async () => (await (await fetch(`${url}/api/v2/alerts`)).json()) as AlertmanagerAlert[],
    log: tool.log,
    stop: tool.stop,
  }
}
