// `eventcore-cli validate performance|metrics|deployment`, the built binary against the real users
// service (and small real servers standing in for broken ones).
import type { ChildService, TestServer } from '@eventcore/service/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBuiltCli, startUsersService, TEST_SECRET } from './test-cli.js'
import {
  httpsProxy,
  metricsServer,
  PARTIAL_EXPOSITION,
  scratchDir,
  secretFile,
  selfSignedCertificate,
} from './test-servers.js'

interface Report {
  readonly checks: readonly { readonly name: string; readonly status: string; readonly detail: string }[]
}

describe('eventcore-cli validate', () => {
  let service: ChildService
  const scratch = scratchDir('eventcore-validate-')
  let secret: string
  beforeAll(async () => {
    // The load is one client: lift the per-client rate limit, as a load test environment would.
    service = await startUsersService({ EVENTCORE_RATE_LIMIT_MAX: '1000000' })
    secret = secretFile(scratch.path, TEST_SECRET)
  })
  afterAll(async () => {
    await service?.kill()
    scratch.remove()
  })

  describe('performance', () => {
    const load = (...targets: string[]) =>
      runBuiltCli([
        'validate',
        'performance',
        '--url',
        service.url,
        '--jwt-secret-file',
        secret,
        '--duration',
        '2',
        '--connections',
        '4',
        ...targets,
      ])

    it('passes reasonable targets, printing each measured figure against its limit', async () => {
      const run = await load(
        '--p95-ms',
        '2000',
        '--min-rps',
        '5',
        '--max-error-rate',
        '0.01',
        '--max-memory-mb',
        '8192',
      )
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(
        /^✅ load \d+ requests — \d+ requests in 2\.\d s over 4 connections .*: 200×\d+, 201×\d+$/m,
      )
      expect(run.stdout).toMatch(
        /^✅ latency p95 [\d.]+ ms \(limit 2000 ms\) — within the target \(--p95-ms; over \d+ 2xx answers\)$/m,
      )
      expect(run.stdout).toMatch(/^✅ throughput \(2xx per second\) [\d.]+ req\/s \(limit 5 req\/s\)/m)
      expect(run.stdout).toMatch(/^✅ error rate 0% \(limit 1%\)/m)
      expect(run.stdout).toMatch(/^✅ peak resident memory [\d.]+ MB \(limit 8192 MB\)/m)
      expect(run.stdout).toMatch(/^⏭️ {2}latency p99 [\d.]+ ms — reported, not judged \(over \d+ 2xx answers\)$/m)
    })

    it('fails impossible targets with exit 1, printing what was measured', async () => {
      const run = await load('--p95-ms', '0.001', '--min-rps', '1000000', '--max-memory-mb', '1', '--json')
      expect(run.code).toBe(1)
      const report = JSON.parse(run.stdout) as Report
      const status = Object.fromEntries(report.checks.map((check) => [check.name, check.status]))
      expect(status).toMatchObject({
        'latency p95': 'fail',
        'throughput (2xx per second)': 'fail',
        'peak resident memory': 'fail',
        'error rate': 'skip',
      })
    })

    it('judges latency on 2xx answers only, and blames the rate limit when it stopped the load', async () => {
      const limited = await startUsersService({ EVENTCORE_RATE_LIMIT_MAX: '50' })
      try {
        const run = await runBuiltCli([
          'validate',
          'performance',
          '--url',
          limited.url,
          '--jwt-secret-file',
          secret,
          '--duration',
          '2',
          '--connections',
          '2',
          '--p95-ms',
          '2000',
          '--max-error-rate',
          '0.01',
          '--json',
        ])
        expect(run.code).toBe(1)
        const report = JSON.parse(run.stdout) as Report
        const check = (name: string) => report.checks.find((c) => c.name === name)
        // At most 50 requests got through (the seeding took some): the percentiles count only those.
        const served = Number(/over (\d+) 2xx answers/.exec(check('latency p95')?.detail ?? '')?.[1])
        expect(served).toBeGreaterThan(0)
        expect(served).toBeLessThanOrEqual(50)
        expect(check('error rate')).toMatchObject({
          status: 'fail',
          detail: expect.stringMatching(/answers were 429: the service's rate limit/),
        })
      } finally {
        await limited.kill()
      }
    })

    it('refuses to run without a token: exit 2, one line', async () => {
      const run = await runBuiltCli(['validate', 'performance', '--url', service.url, '--duration', '1'])
      expect(run.code).toBe(2)
      expect(run.stderr).toMatch(
        /^error: the load needs a token with the admin role: give --token or --jwt-secret-file/,
      )
    })
  })

  describe('metrics', () => {
    let partial: TestServer
    beforeAll(async () => {
      partial = await metricsServer(PARTIAL_EXPOSITION)
    })
    afterAll(async () => {
      await partial?.close()
    })

    it('passes on the users service: every metric DESIGN §6 and the checklist name is exported', async () => {
      const run = await runBuiltCli(['validate', 'metrics', '--url', service.url])
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/^✅ eventcore_command_duration_seconds — histogram \(core; /m)
      expect(run.stdout).toMatch(/^✅ eventcore_connection_pool_errors_total — counter/m)
      expect(run.stdout).toMatch(/^✅ users_registered_total — counter \(business; /m)
      expect(run.stdout).not.toContain('❌')
    })

    it('fails on a server missing metrics, naming each missing one', async () => {
      const run = await runBuiltCli(['validate', 'metrics', '--url', partial.url])
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(/^✅ eventcore_commands_total — counter/m)
      expect(run.stdout).toMatch(/^❌ eventcore_projection_lag_seconds — missing from http:\/\/.*\/metrics \(core; /m)
      expect(run.stdout).toMatch(/^❌ users_registered_total — missing/m)
      expect(run.stdout).toMatch(/^✅ process_resident_memory_bytes/m)
    })

    it('requires the business metrics named with --business-metric instead of the default ones', async () => {
      const run = await runBuiltCli([
        'validate',
        'metrics',
        '--url',
        service.url,
        '--business-metric',
        'orders_placed_total',
      ])
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(/^❌ orders_placed_total — missing/m)
      expect(run.stdout).not.toContain('users_registered_total')
    })

    it('answers neither or both of --url and --prometheus-url with exit 2', async () => {
      expect((await runBuiltCli(['validate', 'metrics'])).code).toBe(2)
      const both = await runBuiltCli(['validate', 'metrics', '--url', service.url, '--prometheus-url', service.url])
      expect(both.code).toBe(2)
      expect(both.stderr).toBe('error: give one of --url or --prometheus-url\n')
    })
  })

  describe('deployment', () => {
    it('passes on the users service: health, metrics, readiness with the database, headers, smoke', async () => {
      const run = await runBuiltCli(['validate', 'deployment', '--url', service.url, '--jwt-secret-file', secret])
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/^⏭️ {2}TLS certificate — plain HTTP: no certificate to check$/m)
      expect(run.stdout).toMatch(/^✅ ready: database — ok$/m)
      expect(run.stdout).toMatch(/^✅ headers: X-Content-Type-Options nosniff/m)
      expect(run.stdout).toMatch(/^✅ smoke: core: deactivate it /m)
      expect(run.stdout).not.toContain('❌')
    })

    describe('over HTTPS (a TLS-terminating proxy with a self-signed certificate valid 30 days)', () => {
      let proxy: TestServer
      let cert: string
      beforeAll(async () => {
        const tls = selfSignedCertificate(scratch.path, 30)
        cert = tls.cert
        proxy = await httpsProxy(service.url, tls)
      })
      afterAll(async () => {
        await proxy?.close()
      })

      it('fails an untrusted certificate, and stops there', async () => {
        const run = await runBuiltCli(['validate', 'deployment', '--url', proxy.url, '--jwt-secret-file', secret])
        expect(run.code).toBe(1)
        expect(run.stdout).toMatch(
          /^❌ TLS certificate (29|30) days to expiry \(limit 14 days to expiry\) — not trusted: DEPTH_ZERO_SELF_SIGNED_CERT \(eventcore-test, /m,
        )
        expect(run.stdout.trim().split('\n')).toHaveLength(1)
      })

      it('passes a trusted one (NODE_EXTRA_CA_CERTS) with its days to expiry, fails it under --min-cert-days, and asks for HSTS', async () => {
        const env = { NODE_EXTRA_CA_CERTS: cert }
        const args = ['validate', 'deployment', '--url', proxy.url, '--jwt-secret-file', secret]
        const trusted = await runBuiltCli(args, env)
        expect(trusted.stdout).toMatch(
          /^✅ TLS certificate (29|30) days to expiry \(limit 14 days to expiry\) — trusted \(eventcore-test, /m,
        )
        expect(trusted.stdout).toMatch(/^✅ smoke: core: deactivate it /m)
        // The service sends no HSTS unless configured to, and this proxy adds none: over HTTPS that fails.
        expect(trusted.stdout).toMatch(/^❌ headers: Strict-Transport-Security — absent over HTTPS$/m)
        expect(trusted.code).toBe(1)
        const soon = await runBuiltCli([...args, '--min-cert-days', '60'], env)
        expect(soon.code).toBe(1)
        expect(soon.stdout).toMatch(
          /^❌ TLS certificate (29|30) days to expiry \(limit 60 days to expiry\) — expires too soon/m,
        )
      })
    })

    it('fails on a server that answers /health and /metrics but is no users service', async () => {
      const partial = await metricsServer(PARTIAL_EXPOSITION)
      try {
        const run = await runBuiltCli(['validate', 'deployment', '--url', partial.url, '--jwt-secret-file', secret])
        expect(run.code).toBe(1)
        expect(run.stdout).toMatch(/^✅ GET \/health /m)
        expect(run.stdout).toMatch(/^❌ ready: database — \/ready reports no database check$/m)
        expect(run.stdout).toMatch(/^❌ smoke: core: register /m)
      } finally {
        await partial.close()
      }
    })
  })
})
