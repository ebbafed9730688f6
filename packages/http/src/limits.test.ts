import Fastify, { type FastifyInstance } from 'fastify'
import { SignJWT } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { type EventcoreHttpOptions, eventcoreHttp } from './plugin.js'

const apps: FastifyInstance[] = []
afterAll(() => Promise.all(apps.map((app) => app.close())))

const secret = 'another-test-secret-of-32-bytes-or-more'
const tokenFor = (sub: string) =>
  new SignJWT({ roles: ['user'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret))

async function appWith(options: EventcoreHttpOptions): Promise<FastifyInstance> {
  const app = Fastify()
  apps.push(app)
  await app.register(eventcoreHttp, options)
  app.get('/things', { config: { eventcore: { public: true } } }, async () => ({ ok: true }))
  app.get('/mine', { config: { eventcore: { permission: 'things:read' } } }, async () => ({ ok: true }))
  await app.ready()
  return app
}

describe('rate limits', () => {
  it('answers 429 problem+json with Retry-After once a client used its limit, with RateLimit headers throughout', async () => {
    const app = await appWith({ rateLimit: { max: 3, windowMs: 60_000 } })
    const first = await app.inject({ method: 'GET', url: '/things' })
    expect(first.headers['ratelimit-limit']).toBe('3')
    expect(first.headers['ratelimit-remaining']).toBe('2')
    await app.inject({ method: 'GET', url: '/things' })
    await app.inject({ method: 'GET', url: '/things' })
    const limited = await app.inject({ method: 'GET', url: '/things' })
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['content-type']).toMatch(/problem\+json/)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect(limited.json()).toMatchObject({ type: 'urn:eventcore:problem:rate-limited', status: 429 })
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200) // probes are never limited
  })

  it("names the window and the wait in the 429's detail, the wait matching Retry-After", async () => {
    const app = await appWith({ rateLimit: { max: 1, windowMs: 60_000 } })
    await app.inject({ method: 'GET', url: '/things' })
    const limited = await app.inject({ method: 'GET', url: '/things' })
    expect(limited.statusCode).toBe(429)
    const retryAfter = Number(limited.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(0)
    expect(limited.json().detail).toBe(
      `limit of 1 request per 60 seconds reached; retry in ${retryAfter === 1 ? '1 second' : `${retryAfter} seconds`}`,
    )
    const probe = await app.inject({ method: 'GET', url: '/health' })
    expect(probe.headers['ratelimit-limit']).toBeUndefined() // probes are not limited, nor counted
  })

  it('names a window that is not whole seconds in ms', async () => {
    const app = await appWith({ rateLimit: { max: 1, windowMs: 1500 } })
    await app.inject({ method: 'GET', url: '/things' })
    const limited = await app.inject({ method: 'GET', url: '/things' })
    expect(limited.json().detail).toMatch(/^limit of 1 request per 1500 ms reached; retry in (1 second|2 seconds)$/)
  })

  it('counts per authenticated caller, not per address', async () => {
    const app = await appWith({
      rateLimit: { max: 2 },
      auth: { secret, roles: { user: ['things:read'] } },
    })
    const ada = `Bearer ${await tokenFor('ada')}`
    const bob = `Bearer ${await tokenFor('bob')}`
    for (let i = 0; i < 2; i++)
      expect((await app.inject({ url: '/mine', headers: { authorization: ada } })).statusCode).toBe(200)
    expect((await app.inject({ url: '/mine', headers: { authorization: ada } })).statusCode).toBe(429)
    expect((await app.inject({ url: '/mine', headers: { authorization: bob } })).statusCode).toBe(200)
  })

  it('counts requests to unknown routes too, so probing for routes uses up the limit', async () => {
    const app = await appWith({ rateLimit: { max: 1 } })
    expect((await app.inject({ url: '/nowhere' })).statusCode).toBe(404)
    expect((await app.inject({ url: '/things' })).statusCode).toBe(429)
  })

  it.each([
    [{ max: 0 }, /rateLimit\.max must be a positive integer, got 0/],
    [{ max: 2.5 }, /rateLimit\.max must be a positive integer, got 2\.5/],
    [{ windowMs: -1 }, /rateLimit\.windowMs must be a positive integer of milliseconds, got -1/],
    [{ namespace: '' }, /rateLimit\.namespace must not be empty/],
  ])('refuses the options %o with a clear error', async (rateLimit, message) => {
    await expect(appWith({ rateLimit })).rejects.toThrow(message)
  })
})

describe('CORS', () => {
  it('answers a preflight from an allowed origin, and gives a denied one no CORS headers', async () => {
    const app = await appWith({ cors: { origins: ['https://app.example.com'] } })
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/things',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      })
    const allowed = await preflight('https://app.example.com')
    expect(allowed.statusCode).toBe(204)
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com')
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('authorization')
    const denied = await preflight('https://evil.example.net')
    expect(denied.headers['access-control-allow-origin']).toBeUndefined()
    const simple = await app.inject({ method: 'GET', url: '/things', headers: { origin: 'https://evil.example.net' } })
    expect(simple.headers['access-control-allow-origin']).toBeUndefined()
  })

  it("allows any origin when the origins contain '*'", async () => {
    const app = await appWith({ cors: { origins: ['*'] } })
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/things',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    })
    expect(preflight.statusCode).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:5173')
    const simple = await app.inject({ method: 'GET', url: '/things', headers: { origin: 'https://other.example.org' } })
    expect(simple.headers['access-control-allow-origin']).toBe('https://other.example.org')
    expect(String(simple.headers.vary)).toMatch(/origin/i)
    const noOrigin = await app.inject({ method: 'GET', url: '/things' })
    expect(noOrigin.headers['access-control-allow-origin']).toBeUndefined()
  })
})
