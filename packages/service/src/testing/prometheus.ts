// Test support (`@eventcore/service/testing`): a real Prometheus (the Debian package's binary)
// scraping test servers every second, with its storage in a scratch directory, optionally
// evaluating rule files and sending alerts to an Alertmanager.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchTool } from './tool-process.js'

/**
 * True when `name` (e.g. `prometheus`, `promtool`, `amtool`, `shellcheck`) runs with `--version`.
 *
 * @example
 * describe.skipIf(!hasBinary('promtool'))('alert rules', () => { … })
 */
export function hasBinary(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** True when a `prometheus` binary is on the PATH. */
export function hasPrometheus(): boolean {
  return hasBinary('prometheus')
}

/**
 * Whether tests needing an external binary must run: in CI (`CI` set, or
 * `EVENTCORE_TEST_REQUIRE_PROMETHEUS=1` as `.ci/run` sets) a missing binary is a failure, not a skip.
 */
export function binariesRequired(): boolean {
  const ci = process.env.CI
  return process.env.EVENTCORE_TEST_REQUIRE_PROMETHEUS === '1' || ci === 'true' || ci === '1'
}

/** One series of an instant query's answer. */
export interface PrometheusSample {
  readonly metric: Readonly<Record<string, string>>
  readonly value: number
}

/** An alert as Prometheus' `/api/v1/alerts` lists it. */
export interface PrometheusAlert {
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
  readonly state: 'pending' | 'firing'
}

/** A running Prometheus. */
export interface TestPrometheus {
  readonly url: string
  /** Resolves once every job's target has been scraped successfully (`up == 1`). */
  scraped(jobs: readonly string[], timeoutMs?: number): Promise<void>
  /** An instant query; throws with Prometheus' error for a bad expression. */
  query(expr: string): Promise<PrometheusSample[]>
  /** The alerts pending or firing now. */
  alerts(): Promise<PrometheusAlert[]>
  /** Everything Prometheus logged so far (warnings and errors). */
  log(): string
  stop(): Promise<void>
}

/** Options of {@link startPrometheus}. */
export interface PrometheusOptions {
  /** Job name → base URL; each is scraped at `/metrics` every second. */
  readonly targets: Readonly<Record<string, string>>
  /** Rule files (absolute paths) to load; evaluated every `evaluationIntervalSeconds`. @default [] */
  readonly ruleFiles?: readonly string[]
  /** @default 1 */
  readonly evaluationIntervalSeconds?: number
  /** Alertmanager base URLs (`http://host:port`) alerts are sent to. @default [] */
  readonly alertmanagers?: readonly string[]
  /** Labels on every series, as a deployment's `external_labels`. @default {} */
  readonly externalLabels?: Readonly<Record<string, string>>
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

function configOf(options: PrometheusOptions): string {
  const evaluation = options.evaluationIntervalSeconds ?? 1
  const lines = ['global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', `  evaluation_interval: ${evaluation}s`]
  const external = Object.entries(options.externalLabels ?? {})
  if (external.length > 0) {
    lines.push('  external_labels:', ...external.map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`))
  }
  const rules = options.ruleFiles ?? []
  if (rules.length > 0) lines.push('rule_files:', ...rules.map((file) => `  - ${JSON.stringify(file)}`))
  const managers = options.alertmanagers ?? []
  if (managers.length > 0) {
    lines.push('alerting:', '  alertmanagers:', '    - static_configs:', '        - targets:')
    lines.push(...managers.map((url) => `            - ${JSON.stringify(new URL(url).host)}`))
  }
  lines.push('scrape_configs:')
  for (const [job, url] of Object.entries(options.targets)) {
    lines.push(`  - job_name: ${JSON.stringify(job)}`, '    static_configs:')
    lines.push(`      - targets: [${JSON.stringify(new URL(url).host)}]`)
  }
  return `${lines.join('\n')}\n`
}

/**
 * Starts Prometheus on a free loopback port with `options` (targets scraped every second); resolves
 * once it is ready. `stop()` ends it and removes its storage.
 *
 * @example
 * const prometheus = await startPrometheus({ targets: { eventcore: service.url }, ruleFiles: [rules] })
 * await prometheus.scraped(['eventcore'])
 * const [up] = await prometheus.query('up{job="eventcore"}')
 */
export async function startPrometheus(options: PrometheusOptions): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'eventcore-prometheus-'))
  const config = join(dir, 'prometheus.yml')
  writeFileSync(config, configOf(options))
  const port = await freePort()
  const tool = launchTool(
    'prometheus',
    [
      `--config.file=${config}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--log.level=warn',
    ],
    dir,
  )
  const url = `http://127.0.0.1:${port}`
  const api = async <T>(path: string): Promise<T> => {
    const answer = await fetch(`${url}${path}`)
    const body = (await answer.json()) as { status: string; data: T; error?: string }
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? answer.status}`)
    return body.data
  }
  const query = async (expr: string): Promise<PrometheusSample[]> => {
    const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
      `/api/v1/query?query=${encodeURIComponent(expr)}`,
    )
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }))
  }
  try {
    await tool.until('not ready', async () => (await fetch(`${url}/-/ready`)).ok, 20_000)
  } catch (error) {
    await tool.stop()
    throw error
  }
  return {
    url,
    scraped: (jobs, timeoutMs = 20_000) =>
      tool.until(
        `${jobs.join(', ')} not scraped`,
        async () => {
          const up = await query('up == 1')
          const seen = new Set(up.map((sample) => sample.metric.job))
          return jobs.every((job) => seen.has(job))
        },
        timeoutMs,
      ),
    query,
    alerts: async () => (await api<{ alerts: PrometheusAlert[] }>('/api/v1/alerts')).alerts,
    log: tool.log,
    stop: tool.stop,
  }
}
