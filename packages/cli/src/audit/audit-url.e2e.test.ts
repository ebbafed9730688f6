// `audit --url` against the real users service, well and badly configured, and against a tiny
// deliberately bad server for what the users service cannot be made to do wrong.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ChildService } from '@eventcore/service/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort, runBuiltCli, startUsersService, TEST_SECRET } from '../test-cli.js'
import { runAudit, sarifErrors } from './test-audit.js'

const HEADER_RULES = ['EC-NET-022', 'EC-NET-023', 'EC-NET-024', 'EC-NET-025', 'EC-DATA-020']

async function adminToken(): Promise<string> {
  const run = await runBuiltCli(['token', 'create', '--sub', 'auditor', '--role', 'admin', '--json'], {
    EVENTCORE_JWT_SECRET: TEST_SECRET,
    EVENTCORE_DATA_DIR: 'memory://',
  })
  const { token } = JSON.parse(run.stdout) as { token: string }
  return token
}

/** Everything an audit should not find, done wrong: no headers, any origin, a stack in errors, no limit. */
function badServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    response.setHeader('server', 'Apache/2.4.1 (Unix)')
    response.setHeader('x-powered-by', 'Express 4.17.1')
    if (request.headers.origin) response.setHeader('access-control-allow-origin', request.headers.origin)
    if (request.url === '/metrics') {
      response.end('# HELP up it is up\n# TYPE up gauge\nup 1\n')
    } else if (request.method === 'POST') {
      response.statusCode = 500
      try {
        JSON.parse('{"email": ')
      } catch (error) {
        response.end(JSON.stringify({ error: (error as Error).stack }))
      }
    } else {
      response.statusCode = request.headers.authorization ? 401 : 200
      response.end('{}')
    }
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      })
    })
  })
}

describe('eventcore-cli audit --url', () => {
  let service: ChildService | undefined
  afterEach(async () => {
    await service?.kill()
    service = undefined
  })

  it('finds nothing wrong with the users service in production behind a trusted proxy, /metrics on its own port', async () => {
    service = await startUsersService({
      NODE_ENV: 'production',
      EVENTCORE_TRUST_PROXY: 'loopback',
      EVENTCORE_METRICS_PORT: String(await freePort()),
    })
    const run = await runAudit(['--no-config', '--url', service.url, '--token', await adminToken()])
    expect(run.stderr).toBe('')
    expect(run.report.findings).toEqual([])
    expect(run.code).toBe(0)
    const url = run.report.sources.find((source) => source.source === 'url')
    // The default limit is 100 a minute: the flood is stopped within it (the other probes count too).
    expect(url).toMatchObject({ status: 'audited', findings: 0 })
    const notes = url?.status === 'audited' ? url.notes : []
    const flood = notes
      .map((note) => /answered 429 after (\d+) requests \(RateLimit-Limit: 100\)/.exec(note))
      .find(Boolean)
    expect(Number(flood?.[1])).toBeGreaterThan(90)
    expect(Number(flood?.[1])).toBeLessThanOrEqual(101)
  })

  it('reports a development service: plain HTTP served, no HSTS, /metrics open to anyone', async () => {
    service = await startUsersService()
    const run = await runAudit(['--no-config', '--url', service.url])
    expect(run.code).toBe(1)
    expect(run.ids).toEqual(['EC-DATA-021', 'EC-ENC-020', 'EC-ENC-021'])
    expect(run.find('EC-ENC-020')?.description).toBe(
      `GET ${service.url}/ with X-Forwarded-Proto: http, as a proxy forwards a plain-HTTP request answered 401, not a redirect to https or a refusal`,
    )
    expect(run.find('EC-DATA-021')?.description).toMatch(
      /^GET .*\/metrics without a token answered 200 with \d+ metric families$/,
    )
  })

  it("reports the users service reflecting any origin when EVENTCORE_CORS_ORIGINS='*'", async () => {
    service = await startUsersService({ EVENTCORE_CORS_ORIGINS: '*' })
    const run = await runAudit(['--no-config', '--url', service.url])
    expect(run.find('EC-NET-020')).toMatchObject({
      severity: 'high',
      description: `preflight OPTIONS and GET with Origin: https://evil.example answered Access-Control-Allow-Origin: https://evil.example`,
      location: `${service.url}/api/v1/users`,
    })
  })

  it('reports bad tokens never rate limited when the limit is far above the flood', async () => {
    service = await startUsersService({ EVENTCORE_RATE_LIMIT_MAX: '100000' })
    const run = await runAudit(['--no-config', '--url', service.url, '--flood-max', '150'])
    expect(run.find('EC-AUTH-020')?.description).toBe(
      `RateLimit-Limit: 100000; 150 requests to GET ${service.url}/api/v1/users with a bad token (first answered 401) got no 429`,
    )
  })

  it('reports every header, CORS, disclosure and error-body problem of a deliberately bad server', async () => {
    const bad = await badServer()
    try {
      const run = await runAudit(['--no-config', '--url', bad.url, '--flood-max', '40'])
      expect(run.ids).toEqual(
        [...HEADER_RULES, 'EC-AUTH-020', 'EC-DATA-021', 'EC-DATA-022', 'EC-ENC-020', 'EC-ENC-021', 'EC-NET-020'].sort(),
      )
      expect(run.find('EC-DATA-020')?.description).toBe(
        `GET ${bad.url}/ answered 200 with server: Apache/2.4.1 (Unix), x-powered-by: Express 4.17.1`,
      )
      expect(run.find('EC-DATA-022')?.description).toMatch(
        /answered 500 showing "at JSON\.parse|answered 500 showing ".*:\d+/,
      )
      expect(run.find('EC-AUTH-020')?.description).toContain('40 requests')
      const sarif = await runBuiltCli(
        ['audit', '--no-config', '--url', bad.url, '--flood-max', '5', '--format', 'sarif'],
        {
          EVENTCORE_DATA_DIR: 'memory://',
          EVENTCORE_JWT_SECRET: TEST_SECRET,
        },
      )
      expect(sarifErrors(JSON.parse(sarif.stdout))).toEqual([])
      expect(sarif.stdout).toContain(`"uri": "${bad.url}/"`)
    } finally {
      await bad.close()
    }
  })

  it('answers a URL where nothing listens with exit 2', async () => {
    const run = await runBuiltCli(['audit', '--no-config', '--url', `http://127.0.0.1:${await freePort()}`], {
      EVENTCORE_DATA_DIR: 'memory://',
      EVENTCORE_JWT_SECRET: TEST_SECRET,
    })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^error: GET http:\/\/127\.0\.0\.1:\d+\/: .*ECONNREFUSED/)
  })
})
