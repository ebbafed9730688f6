// Test support (not built): a real Prometheus (the Debian package's binary) scraping test servers
// every second, with its storage in a scratch directory.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { join } from 'node:path'
import { scratchDir } from './test-servers.js'

/** True when a `prometheus` binary is on the PATH. */
export function hasPrometheus(): boolean {
  try {
    execFileSync('prometheus', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** A running Prometheus. */
export interface TestPrometheus {
  readonly url: string
  /** Resolves once every job's target has been scraped successfully (`up == 1`). */
  scraped(jobs: readonly string[], timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts Prometheus scraping `/metrics` of each `targets` entry (job name → base URL) every second. */
export async function startPrometheus(targets: Readonly<Record<string, string>>): Promise<TestPrometheus> {
  const dir = scratchDir('eventcore-prometheus-')
  const jobs = Object.entries(targets)
    .map(([job, url]) => `  - job_name: ${job}\n    static_configs:\n      - targets: ['${new URL(url).host}']\n`)
    .join('')
  const config = join(dir.path, 'prometheus.yml')
  writeFileSync(config, `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${jobs}`)
  const port = await freePort()
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${join(dir.path, 'data')}`,
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
  const until = async (what: string, ok: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`prometheus ended: ${log}`)
      if (await ok().catch(() => false)) return
      await wait(200)
    }
    throw new Error(`prometheus: ${what} within ${timeoutMs} ms:\n${log}`)
  }
  await until('not ready', async () => (await fetch(`${url}/-/ready`)).ok, 20_000)
  return {
    url,
    scraped: (names, timeoutMs = 20_000) =>
      until(
        `${names.join(', ')} not scraped`,
        async () => {
          const answer = (await (await fetch(`${url}/api/v1/query?query=up`)).json()) as {
            data: { result: { metric: { job: string }; value: [number, string] }[] }
          }
          const up = new Set(answer.data.result.filter((r) => r.value[1] === '1').map((r) => r.metric.job))
          return names.every((name) => up.has(name))
        },
        timeoutMs,
      ),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
      dir.remove()
    },
  }
}
