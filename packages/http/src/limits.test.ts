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
})
