// Test support for the Alertmanager configuration: a real Alertmanager (the Debian package's
// binary) on a free loopback port with scratch storage and no clustering, and its v2 alerts API.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, hasBinary } from '@eventcore/service/testing'

/** The Alertmanager binary on the PATH: upstream calls it `alertmanager`, Debian `prometheus-alertmanager`. */
export const ALERTMANAGER_BINARY: string | undefined = ['alertmanager', 'prometheus-alertmanager'].find(hasBinary)

/** An alert as posted to `/api/v2/alerts`. */
export interface PostedAlert {
  readonly labels: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
}

/** An alert as `GET /api/v2/alerts` lists it. */
export interface ListedAlert {
  readonly labels: Readonly<Record<string, string>>
  readonly fingerprint: string
  readonly receivers: readonly { readonly name: string }[]
  readonly status: {
    readonly state: 'active' | 'suppressed' | 'unprocessed'
    readonly inhibitedBy: readonly string[]
    readonly silencedBy: readonly string[]
  }
}

/** A running Alertmanager. */
export interface TestAlertmanager {
  readonly url: string
  post(alerts: readonly PostedAlert[]): Promise<void>
  alerts(): Promise<ListedAlert[]>
  log(): string
  stop(): Promise<void>
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts Alertmanager with `configFile`; resolves once `/-/ready` answers. */
export async function startAlertmanager(configFile: string): Promise<TestAlertmanager> {
  if (ALERTMANAGER_BINARY === undefined) throw new Error('no alertmanager binary on the PATH')
  const dir = mkdtempSync(join(tmpdir(), 'eventcore-alertmanager-'))
  const port = await freePort()
  const child: ChildProcess = spawn(
    ALERTMANAGER_BINARY,
    [
      `--config.file=${configFile}`,
      `--storage.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // An empty address turns clustering (gossip on 0.0.0.0:9094) off.
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let log = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    log += chunk
  })
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) {
      await stop()
      throw new Error(`alertmanager ended: ${log}`)
    }
    if (
      await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`alertmanager not ready within 20 s: ${log}`)
    }
    await wait(100)
  }
  return {
    url,
    post: async (alerts) => {
      const answer = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      })
      if (!answer.ok) throw new Error(`POST /api/v2/alerts: ${answer.status} ${await answer.text()}`)
    },
    alerts: async () => {
      const answer = await fetch(`${url}/api/v2/alerts`)
      if (!answer.ok) throw new Error(`GET /api/v2/alerts: ${answer.status} ${await answer.text()}`)
      return (await answer.json()) as ListedAlert[]
    },
    log: () => log,
    stop,
  }
}
