// `eventcore-cli test smoke`, the built binary against the real users service: green on a good
// service, red on one whose auth is off or whose store refuses writes.
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { authInjectingProxy, type ChildService, type TestServer } from '@eventcore/service/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBuiltCli, startUsersService, TEST_SECRET } from './test-cli.js'
import { scratchDir, secretFile } from './test-servers.js'

interface Report {
  readonly checks: readonly { readonly name: string; readonly status: string; readonly detail: string }[]
}
const statusOf = (report: Report, pattern: RegExp) =>
  report.checks.filter((check) => pattern.test(check.name)).map((check) => check.status)

// Room for every run of this file under one token subject.
const SERVICE_ENV = { EVENTCORE_RATE_LIMIT_MAX: '100000' }
const databaseUrl = process.env.EVENTCORE_TEST_DATABASE_URL

describe('eventcore-cli test smoke', () => {
  let service: ChildService
  const scratch = scratchDir('eventcore-smoke-')
  let secret: string
  beforeAll(async () => {
    service = await startUsersService(SERVICE_ENV)
    secret = secretFile(scratch.path, TEST_SECRET)
  })
  afterAll(async () => {
    await service?.kill()
    scratch.remove()
  })

  it('passes every check against a good service, printing each with ✅, its figure and why', async () => {
    const run = await runBuiltCli(['test', 'smoke', '--url', service.url, '--jwt-secret-file', secret])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^✅ auth: no token gets 401 [\d.]+ ms — HTTP 401/m)
    expect(run.stdout).toMatch(/^✅ auth: an expired token gets 401 [\d.]+ ms — HTTP 401: .*exp/m)
    expect(run.stdout).toMatch(/^✅ core: register smoke\+[0-9a-f-]{36}@example\.com [\d.]+ ms — HTTP 201$/m)
    expect(run.stdout).toMatch(/^✅ core: rename it with If-Match [\d.]+ ms — HTTP 200$/m)
    expect(run.stdout).toMatch(/^✅ errors: a malformed body gets 400 problem\+json [\d.]+ ms — HTTP 400/m)
    expect(run.stdout).toMatch(/^✅ errors: a duplicate address gets 409 [\d.]+ ms — HTTP 409/m)
    expect(run.stdout).toMatch(/^✅ performance: p95 of 20 GETs [\d.]+ ms \(limit 500 ms\)/m)
    expect(run.stdout).toMatch(/^✅ logs: X-Correlation-Id echoed — smoke-[0-9a-f-]{36} came back$/m)
    // No OTEL_* variables: the service installs no tracing, and says nothing of a trace.
    expect(run.stdout).toMatch(
      /^⚠️ {2}traces: W3C traceparent continued — no traceparent in the answer: tracing is off/m,
    )
    expect(run.stdout).not.toMatch(/❌|⏭️/)
  })

  it('sees the service continue its W3C trace when tracing is on', async () => {
    // A collector that takes every export and keeps nothing.
    const collector = createServer((request, response) => {
      request.resume()
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end())
    })
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve))
    const { port } = collector.address() as AddressInfo
    const traced = await startUsersService({ ...SERVICE_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` })
    try {
      const run = await runBuiltCli(['test', 'smoke', '--url', traced.url, '--jwt-secret-file', secret])
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(
        /^✅ traces: W3C traceparent continued — trace [0-9a-f]{32}: look it up in your tracing system$/m,
      )
    } finally {
      await traced.kill()
      await new Promise((resolve) => collector.close(resolve))
    }
  })

  it('uses a given --token, and skips the expired-token check it cannot mint, with --json', async () => {
    const minted = await runBuiltCli(['token', 'create', '--sub', 'ops', '--role', 'admin'], {
      EVENTCORE_JWT_SECRET: TEST_SECRET,
    })
    const token = minted.stdout.trim()
    const run = await runBuiltCli(['test', 'smoke', '--url', service.url, '--token', token, '--json'])
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as Report
    expect(statusOf(report, /expired/)).toEqual(['skip'])
    expect(statusOf(report, /^core: /)).toEqual(['pass', 'pass', 'pass', 'pass'])
    expect(run.stdout).not.toContain(token)
  })

  it('fails with exit 1 when the performance p95 is over --p95-ms', async () => {
    const run = await runBuiltCli([
      'test',
      'smoke',
      '--url',
      service.url,
      '--jwt-secret-file',
      secret,
      '--p95-ms',
      '0.001',
    ])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^❌ performance: p95 of 20 GETs [\d.]+ ms \(limit 0\.001 ms\) — .*over the limit/m)
  })

  it('without any token skips the checks needing one and fails core functionality, saying why', async () => {
    const run = await runBuiltCli(['test', 'smoke', '--url', service.url])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^⏭️ {2}auth: a valid token gets 2xx — no token: give --token or --jwt-secret-file/m)
    expect(run.stdout).toMatch(/^❌ core: register, read, rename, deactivate a user — cannot run: no token/m)
  })

  describe('behind a proxy that signs every request in: authentication is off', () => {
    let proxy: TestServer
    beforeAll(async () => {
      const minted = await runBuiltCli(['token', 'create', '--sub', 'proxy', '--role', 'admin'], {
        EVENTCORE_JWT_SECRET: TEST_SECRET,
      })
      proxy = await authInjectingProxy(service.url, minted.stdout.trim())
    })
    afterAll(async () => {
      await proxy?.close()
    })

    it('fails the 401 and 403 checks (and only those) with exit 1', async () => {
      const run = await runBuiltCli(['test', 'smoke', '--url', proxy.url, '--jwt-secret-file', secret, '--json'])
      expect(run.code).toBe(1)
      const report = JSON.parse(run.stdout) as Report
      const failed = report.checks.filter((check) => check.status === 'fail')
      expect(failed.map((check) => check.name)).toEqual([
        'auth: no token gets 401',
        'auth: a tampered token gets 401',
        'auth: an expired token gets 401',
        // The proxy's token is an admin's: a token without the role is not what the service sees.
        'authz: a token without the admin role cannot register (403)',
      ])
      expect(failed[0]?.detail).toBe('HTTP 200, expected HTTP 401')
    })
  })

  describe.runIf(databaseUrl)('on PostgreSQL whose events table refuses inserts', () => {
    const schema = `smoke_${randomUUID().replaceAll('-', '').slice(0, 12)}`
    let admin: pg.Client
    let broken: ChildService | undefined
    beforeAll(async () => {
      const env = { ...SERVICE_ENV, EVENTCORE_DATABASE_URL: databaseUrl ?? '', EVENTCORE_DATABASE_SCHEMA: schema }
      // Once to migrate the schema, then the store is made to refuse writes and the service restarted on it.
      await (await startUsersService(env)).kill()
      admin = new pg.Client({ connectionString: databaseUrl })
      await admin.connect()
      await admin.query(`CREATE FUNCTION ${schema}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'this store refuses writes'; END $$`)
      await admin.query(
        `CREATE TRIGGER refuse BEFORE INSERT ON ${schema}.events FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.refuse()`,
      )
      broken = await startUsersService(env)
    })
    afterAll(async () => {
      await broken?.kill()
      await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await admin?.end()
    })

    it('still starts and answers /health and /ready, and fails core functionality with exit 1', async () => {
      const run = await runBuiltCli([
        'test',
        'smoke',
        '--url',
        broken?.url ?? '',
        '--jwt-secret-file',
        secret,
        '--json',
      ])
      expect(run.code).toBe(1)
      const report = JSON.parse(run.stdout) as Report
      expect(statusOf(report, /^health: /)).toEqual(['pass', 'pass'])
      expect(statusOf(report, /^auth: /)).toEqual(['pass', 'pass', 'pass', 'pass'])
      expect(statusOf(report, /^core: register/)).toEqual(['fail'])
      expect(statusOf(report, /^core: (read|rename|deactivate)/)).toEqual(['skip', 'skip', 'skip'])
      expect(report.checks.find((check) => check.name.startsWith('core: register'))?.detail).toMatch(/^HTTP 5\d\d/)
    })
  })
})
