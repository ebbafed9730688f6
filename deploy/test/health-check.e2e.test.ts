// deploy/scripts/health-check.sh against a real Prometheus (the Debian package's binary) scraping the
// real users service (its built main script) and a target in trouble (faulty-target.ts): healthy,
// too slow, failing commands, down, not scraped, and every way of not getting an answer. Skipped, saying so, where prometheus, curl or jq
// is absent; in CI an absent binary fails instead.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mintToken } from '@eventcore/service'
import {
  binariesRequired,
  type ChildService,
  hasBinary,
  spawnService,
  startPrometheus,
  type TestPrometheus,
} from '@eventcore/service/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployFile, REPO_ROOT } from './deploy-files.js'
import { type FaultyTarget, startFaultyTarget } from './faulty-target.js'
import { runCommand } from './run-command.js'

const SCRIPT = deployFile('scripts', 'health-check.sh')
const USERS_SERVICE_MAIN = join(REPO_ROOT, 'examples', 'users-service', 'dist', 'main.js')
const SECRET = 'health-check-tests-secret-0123456789abcdef'

const available = hasBinary('prometheus') && hasBinary('jq') && hasBinary('curl')
const required = binariesRequired()
if (!available && !required) {
  console.warn(
    'skipping the health-check.sh tests: prometheus, jq or curl is missing (apt-get install -y prometheus jq curl)',
  )
}

/** Runs the script with only PATH and `env`, so a developer's PROMETHEUS_URL cannot leak in. */
const healthCheck = (args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  runCommand(SCRIPT, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeoutMs: 30_000 })

describe.skipIf(!available && !required)('deploy/scripts/health-check.sh', () => {
  let service: ChildService
  let faulty: FaultyTarget
  let prometheus: TestPrometheus
  let token: string
  const value = async (expr: string) => (await prometheus.query(expr))[0]?.value
  const register = (email: string) =>
    fetch(`${service.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email, first_name: 'Ada', last_name: 'Lovelace' }),
    })

  beforeAll(async () => {
    if (!available)
      throw new Error('CI needs prometheus, jq and curl: apt-get install -y prometheus jq curl (see .ci/run)')
    service = await spawnService(USERS_SERVICE_MAIN, { EVENTCORE_JWT_SECRET: SECRET, EVENTCORE_DATA_DIR: 'memory://' })
    faulty = await startFaultyTarget()
    prometheus = await startPrometheus({ targets: { eventcore: service.url, faulty: faulty.url } })
    await prometheus.scraped(['eventcore', 'faulty'])
    token = await mintToken({
      secret: SECRET,
      sub: 'health-check-test',
      roles: ['admin'],
      ttlSeconds: 600,
      now: new Date(),
    })
  }, 60_000)
  afterAll(async () => {
    await prometheus?.stop()
    await faulty?.close()
    await service?.kill()
  })

  it('--help prints the options and exit codes and exits 0', async () => {
    const run = await healthCheck(['--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Usage: health-check\.sh \[options\]/)
    for (const option of ['--prometheus-url', '--job', '--max-error-ratio', '--max-p95-seconds', '--timeout']) {
      expect(run.stdout).toContain(option)
    }
    expect(run.stdout).toMatch(/^ {2}3 {2}Prometheus unreachable/m)
  })

  it.each([
    [['--bogus'], "unknown argument '--bogus'"],
    [['--max-p95-seconds', 'fast'], "--max-p95-seconds must be a number ≥ 0, not 'fast'"],
    [['--timeout=0'], '--timeout must be more than 0'],
    [['--job'], '--job needs a value'],
    [['--prometheus-url', 'prometheus:9090'], '--prometheus-url must be an http(s) URL'],
  ])('exits 2 with the usage on stderr for %j', async (args, message) => {
    const run = await healthCheck(args)
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain(`health-check.sh: ${message}`)
    expect(run.stderr).toMatch(/^Usage: health-check\.sh \[options\]/m)
  })

  it('exits 4 naming the tool when jq is not on the PATH', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'health-check-path-'))
    try {
      for (const tool of ['bash', 'curl', 'awk']) {
        symlinkSync(execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool))
      }
      const run = await runCommand(SCRIPT, ['--prometheus-url', prometheus.url], { env: { PATH: bin } })
      expect(run.stderr).toBe('health-check.sh: missing required tool(s): jq\n')
      expect(run.code).toBe(4)
    } finally {
      rmSync(bin, { recursive: true, force: true })
    }
  })

  it('passes with "no traffic" before any command, and no pool to judge on PGlite', async () => {
    // rate() needs two samples of the (zero) command counters in the window.
    await expect.poll(() => value('count_over_time(up{job="eventcore"}[5m])'), { timeout: 10_000 }).toBeGreaterThan(2)
    const run = await healthCheck(['--prometheus-url', prometheus.url])
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/^✅ up: 1\/1 targets of job "eventcore" up$/m)
    expect(run.stdout).toMatch(/^⚠️ {2}error ratio: no traffic \(no commands in the last 5m\)$/m)
    expect(run.stdout).toMatch(/^⚠️ {2}p95 latency: no traffic/m)
    expect(run.stdout).toMatch(
      /^✅ pool utilisation: no pool of more than one connection \(embedded PGlite\) to judge$/m,
    )
    expect(run.stdout).toMatch(/^healthy$/m)
    expect(run.code).toBe(0)
  })

  it('is healthy after successful commands, reading PROMETHEUS_URL from the environment', async () => {
    for (let i = 0; i < 15; i++) expect((await register(`ok-${i}@example.com`)).status).toBe(201)
    // Until Prometheus has scraped all of them (the raw counter, not an extrapolated increase).
    await expect.poll(() => value('sum(eventcore_commands_total{job="eventcore"})'), { timeout: 10_000 }).toBe(15)
    const run = await healthCheck([], { PROMETHEUS_URL: prometheus.url })
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/^✅ up: 1\/1 targets/m)
    expect(run.stdout).toMatch(/^✅ error ratio: 0 over the last 5m \(limit 0\.05\)$/m)
    expect(run.stdout).toMatch(/^✅ p95 latency: [\d.e-]+ s over the last 5m \(limit 1\.0 s\)$/m)
    expect(run.stdout).toMatch(/^✅ pool utilisation: no pool/m)
    expect(run.stdout).toMatch(/^healthy$/m)
    expect(run.code).toBe(0)
  })

  it('fails naming latency when p95 is above the limit', async () => {
    const run = await healthCheck(['--prometheus-url', prometheus.url, '--max-p95-seconds', '0.000001'])
    expect(run.stdout).toMatch(/^❌ p95 latency: [\d.e-]+ s over the last 5m, above 0\.000001 s$/m)
    expect(run.stdout).toMatch(/^✅ error ratio/m)
    expect(run.stdout).toMatch(/^unhealthy: latency$/m)
    expect(run.code).toBe(1)
  })

  it('does not count rejections (e-mails already taken) as errors', async () => {
    for (let i = 0; i < 15; i++) expect((await register(`ok-${i}@example.com`)).status).toBe(409)
    await expect
      .poll(() => value('sum(eventcore_command_errors_total{job="eventcore",kind="business-rule"})'), {
        timeout: 10_000,
      })
      .toBe(15)
    const run = await healthCheck(['--prometheus-url', prometheus.url])
    expect(run.stdout).toMatch(/^✅ error ratio: 0 over the last 5m \(limit 0\.05\)$/m)
    expect(run.code).toBe(0)
  })

  it('fails naming the error ratio and latency of a job in trouble, and warns about its busy pool', async () => {
    await expect.poll(() => value('count_over_time(up{job="faulty"}[5m])'), { timeout: 10_000 }).toBeGreaterThan(2)
    const run = await healthCheck(['--prometheus-url', prometheus.url, '--job', 'faulty'])
    // 3 timeouts in 10 commands (the rejection does not count); every command between 1 and 2.5 s,
    // so p95 interpolates to 1 + 0.95 × 1.5 s; 9 of 10 connections busy.
    expect(run.stdout).toMatch(/^✅ up: 1\/1 targets of job "faulty" up$/m)
    expect(run.stdout).toMatch(/^❌ error ratio: 0\.3 over the last 5m, above 0\.05$/m)
    expect(run.stdout).toMatch(/^❌ p95 latency: 2\.425 s over the last 5m, above 1\.0 s$/m)
    expect(run.stdout).toMatch(/^⚠️ {2}pool utilisation: 0\.9 busy on 127\.0\.0\.1:\d+, above 0\.8$/m)
    expect(run.stdout).toMatch(/^unhealthy: error ratio,latency$/m)
    expect(run.code).toBe(1)

    const tolerant = await healthCheck([
      '--prometheus-url',
      prometheus.url,
      '--job=faulty',
      '--max-error-ratio=0.35',
      '--max-p95-seconds=2.5',
    ])
    expect(tolerant.stdout).toMatch(/^✅ error ratio: 0\.3 over the last 5m \(limit 0\.35\)$/m)
    expect(tolerant.stdout).toMatch(/^✅ p95 latency: 2\.425 s over the last 5m \(limit 2\.5 s\)$/m)
    expect(tolerant.stdout).toMatch(/^⚠️ {2}pool utilisation: 0\.9 busy/m)
    expect(tolerant.stdout).toMatch(/^healthy$/m)
    expect(tolerant.code).toBe(0)
  })

  it('fails when the job is not scraped at all', async () => {
    const run = await healthCheck(['--prometheus-url', prometheus.url, '--job', 'not-a-job'])
    expect(run.stdout).toMatch(/^❌ up: job "not-a-job" not scraped \(no up series\)/m)
    expect(run.stdout).toMatch(/^⚠️ {2}error ratio: no data/m)
    expect(run.code).toBe(1)
    // Quotes and backslashes in a job name are escaped into the PromQL string, not a broken query.
    const odd = await healthCheck(['--prometheus-url', prometheus.url, '--job', 'odd"job\\'])
    expect(odd.stderr).toBe('')
    expect(odd.stdout).toContain('❌ up: job "odd\\"job\\\\" not scraped')
    expect(odd.code).toBe(1)
  })

  it('exits 3 at once when nothing listens at the Prometheus URL', async () => {
    const run = await healthCheck(['--prometheus-url', 'http://127.0.0.1:1', '--timeout', '5'])
    expect(run.stderr).toMatch(/^health-check\.sh: Prometheus at http:\/\/127\.0\.0\.1:1 did not answer: curl: \(7\)/)
    expect(run.stdout).toBe('')
    expect(run.code).toBe(3)
  })

  it('exits 3 within --timeout when Prometheus accepts but never answers', async () => {
    const sockets = new Set<Socket>()
    const silent: Server = createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const address = silent.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    try {
      const run = await healthCheck(['--prometheus-url', `http://127.0.0.1:${port}`, '--timeout', '1'])
      expect(run.stderr).toMatch(/did not answer: curl: \(28\)/)
      expect(run.code).toBe(3)
      expect(run.elapsedMs).toBeGreaterThanOrEqual(900)
      expect(run.elapsedMs).toBeLessThan(5000)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  it('exits 3 when the URL answers, but not as the Prometheus API', async () => {
    const run = await healthCheck(['--prometheus-url', service.url])
    expect(run.stderr).toMatch(
      /^health-check\.sh: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query is not a Prometheus answer for up\{job="eventcore"\}/,
    )
    expect(run.code).toBe(3)
  })

  it('fails naming the instance once the service is down', async () => {
    const instance = new URL(service.url).host
    await service.kill()
    await expect.poll(() => value('up{job="eventcore"}'), { timeout: 10_000, interval: 250 }).toBe(0)
    const run = await healthCheck(['--prometheus-url', prometheus.url])
    expect(run.stdout).toMatch(
      new RegExp(`^❌ up: 0/1 targets of job "eventcore" up; down: ${instance.replace(/\./g, '\\.')}$`, 'm'),
    )
    expect(run.stdout).toMatch(/^unhealthy: up/m)
    expect(run.code).toBe(1)
  })
})
