import { loadConfig } from '@eventcore/service'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  eventsWrittenBy,
  expectProblem,
  newUser,
  STORES,
  startTestService,
  TEST_SECRET,
  type TestService,
} from './harness.js'

const ENV = { EVENTCORE_ENFORCE_HTTPS: 'true', EVENTCORE_TRUST_PROXY: 'loopback' }
const HSTS = 'max-age=31536000; includeSubDomains'
const FROM_PROXY = { 'x-forwarded-proto': 'https' }

describe.each(STORES)('HTTPS enforced behind a trusted proxy, over HTTP on %s', (store) => {
  let service: TestService
  let admin: string
  beforeAll(async () => {
    service = await startTestService(store, ENV)
    admin = await service.token(['admin'], 'https-admin')
  })
  afterAll(() => service?.close())

  it('reads EVENTCORE_TRUST_PROXY=loopback as the proxy list Fastify trusts', () => {
    const loaded = loadConfig({ EVENTCORE_JWT_SECRET: TEST_SECRET, EVENTCORE_DATA_DIR: 'memory://', ...ENV })
    expect(loaded.ok && loaded.config).toMatchObject({ trustProxy: ['loopback'], security: { enforceHttps: true } })
  })

  // The redirect comes before the token is looked at: a client is moved to HTTPS before it is told
  // to authenticate, so it never learns to send its token in the clear.
  it.each([
    ['with a token', true],
    ['without a token', false],
  ])('redirects a plain-HTTP GET %s with 308 to the same URL on https', async (_, withToken) => {
    const response = await service.call('/api/v1/users?limit=1', {
      redirect: 'manual',
      ...(withToken ? { token: admin } : {}),
    })
    expect(response.status).toBe(308)
    const { host } = new URL(service.url)
    expect(response.headers.get('location')).toBe(`https://${host}/api/v1/users?limit=1`)
  })

  it.each([
    ['with a token', true],
    ['without a token', false],
  ])('refuses a plain-HTTP POST %s with 403 https-required, writing nothing', async (_, withToken) => {
    const written = await eventsWrittenBy(service, async () => {
      const response = await service.call('/api/v1/users', {
        method: 'POST',
        json: newUser('plain'),
        ...(withToken ? { token: admin } : {}),
      })
      const problem = await expectProblem(response, 403, 'https-required')
      expect(problem.detail).toMatch(/HTTPS/)
    })
    expect(written).toEqual([])
  })

  it('serves a request the trusted proxy forwarded from HTTPS, with Strict-Transport-Security', async () => {
    const read = await service.call('/api/v1/users?limit=1', { token: admin, headers: FROM_PROXY })
    expect(read.status).toBe(200)
    expect(read.headers.get('strict-transport-security')).toBe(HSTS)

    const created = await service.call('/api/v1/users', {
      method: 'POST',
      token: admin,
      json: newUser('forwarded'),
      headers: FROM_PROXY,
    })
    expect(created.status).toBe(201)
    expect(created.headers.get('strict-transport-security')).toBe(HSTS)
  })

  it('sends Strict-Transport-Security on refusals over HTTPS too', async () => {
    const refused = await service.call('/api/v1/users', { headers: FROM_PROXY })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('strict-transport-security')).toBe(HSTS)
  })

  it('keeps /health and /ready reachable over plain HTTP', async () => {
    for (const path of ['/health', '/ready']) {
      const response = await service.call(path, { redirect: 'manual' })
      expect(response.status, path).toBe(200)
    }
  })
})
