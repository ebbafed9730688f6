// `eventcore-cli validate metrics --prometheus-url`, against a real Prometheus (the Debian package's
// binary) scraping the real users service and a server missing metrics. Skipped, saying so, where
// the binary is absent; in CI (.ci/run sets EVENTCORE_TEST_REQUIRE_PROMETHEUS, or CI=true) an absent
// binary fails instead.
import {
  binariesRequired,
  type ChildService,
  hasPrometheus,
  startPrometheus,
  type TestPrometheus,
  type TestServer,
} from '@eventcore/service/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBuiltCli, startUsersService } from './test-cli.js'
import { metricsServer, PARTIAL_EXPOSITION } from './test-servers.js'

const available = hasPrometheus()
const required = binariesRequired()
if (!available && !required) {
  console.warn('skipping the Prometheus tests: no prometheus binary on the PATH (apt-get install -y prometheus)')
}

describe.skipIf(!available && !required)('eventcore-cli validate metrics --prometheus-url', () => {
  let service: ChildService
  let partial: TestServer
  let prometheus: TestPrometheus
  beforeAll(async () => {
    if (!available) throw new Error('CI needs the prometheus binary: apt-get install -y prometheus (see .ci/run)')
    service = await startUsersService()
    partial = await metricsServer(PARTIAL_EXPOSITION)
    prometheus = await startPrometheus({ targets: { eventcore: service.url, partial: partial.url } })
    await prometheus.scraped(['eventcore', 'partial'])
  }, 60_000)
  afterAll(async () => {
    await prometheus?.stop()
    await partial?.close()
    await service?.kill()
  })

  it('passes when every required metric of the job is scraped and fresh, printing each age', async () => {
    const args = ['validate', 'metrics', '--prometheus-url', prometheus.url, '--job', 'eventcore', '--max-age', '30']
    const run = await runBuiltCli(args)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^✅ eventcore_command_duration_seconds [\d.]+ s old \(limit 30 s old\) — fresh/m)
    expect(run.stdout).toMatch(/^✅ users_deactivated_total [\d.]+ s old .* — fresh \(business; /m)
    expect(run.stdout).not.toContain('❌')
  })

  it('fails for a job missing metrics, naming the ones never scraped', async () => {
    const run = await runBuiltCli(['validate', 'metrics', '--prometheus-url', prometheus.url, '--job', 'partial'])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^✅ eventcore_commands_total [\d.]+ s old/m)
    expect(run.stdout).toMatch(/^❌ eventcore_active_streams — never scraped \(job="partial"\)/m)
  })

  it('fails as not current once the target is gone', async () => {
    await partial.close()
    // Prometheus marks the series of a target that stopped answering stale at its next scrape.
    await expect
      .poll(
        async () => {
          const answer = await fetch(`${prometheus.url}/api/v1/query?query=up{job="partial"}`)
          const body = (await answer.json()) as { data: { result: { value: [number, string] }[] } }
          return body.data.result[0]?.value[1]
        },
        { timeout: 10_000, interval: 250 },
      )
      .toBe('0')
    const run = await runBuiltCli(['validate', 'metrics', '--prometheus-url', prometheus.url, '--job', 'partial'])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^❌ eventcore_commands_total — no current sample: its target is down or gone/m)
  })

  it('reports a Prometheus that does not answer as a connection error (exit 2)', async () => {
    const run = await runBuiltCli(['validate', 'metrics', '--prometheus-url', partial.url, '--timeout', '2000'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^error: GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/label\/__name__\/values/)
  })
})
