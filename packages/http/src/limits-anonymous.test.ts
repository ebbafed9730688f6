import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { SignJWT } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { eventcoreHttp } from './plugin.js'

const apps: FastifyInstance[] = []
afterAll(() => Promise.all(apps.map((app) => app.close())))

const secret = 'an-anonymous-limits-secret-of-32-bytes'
const tokenFor = (sub: string, key = secret) =>
  new SignJWT({ roles: ['user'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(key))

async function appWith(server: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(server)
  apps.push(app)
  await app.register(eventcoreHttp, { rateLimit: { max: 3 }, auth: { secret, roles: { user: ['things:read'] } } })
  app.get('/mine', { config: { eventcore: { permission: 'things:read' } } }, async () => ({ ok: true }))
  await app.ready()
  return app
}

const call = (app: FastifyInstance, headers: Record<string, string> = {}) => app.inject({ url: '/mine', headers })

describe('rate limits for callers without a valid token', () => {
  it('counts refused tokens by address: 401s carry RateLimit headers, then 429', async () => {
    const app = await appWith()
    const forged = { authorization: `Bearer ${await tokenFor('mallory', 'a-guessed-secret-that-is-32-bytes-long')}` }
    for (const remaining of ['2', '1', '0']) {
      const refused = await call(app, forged)
      expect(refused.statusCode).toBe(401)
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(refused.headers['ratelimit-limit']).toBe('3')
      expect(refused.headers['ratelimit-remaining']).toBe(remaining)
    }
    const limited = await call(app, { authorization: 'Bearer not-a-token' })
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toMatchObject({ type: 'urn:eventcore:problem:rate-limited' })
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect((await call(app)).statusCode).toBe(429) // no token at all: the same address
  })

  it('leaves an authenticated caller its own budget while its address is flooded', async () => {
    const app = await appWith()
    for (let i = 0; i < 10; i++) await call(app, { authorization: 'Bearer guess' })
    const ada = { authorization: `Bearer ${await tokenFor('ada')}` }
    const served = await call(app, ada)
    expect(served.statusCode).toBe(200)
    expect(served.headers['ratelimit-remaining']).toBe('2')
  })

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    // inject() connects from 127.0.0.1.
    const trusting = await appWith({ trustProxy: '127.0.0.1' })
    for (let client = 1; client <= 5; client++) {
      const refused = await call(trusting, { 'x-forwarded-for': `203.0.113.${client}` })
      expect(refused.statusCode).toBe(401)
      expect(refused.headers['ratelimit-remaining']).toBe('2')
    }
    const distrusting = await appWith({ trustProxy: '10.0.0.1' })
    const statuses: number[] = []
    for (let client = 1; client <= 5; client++)
      statuses.push((await call(distrusting, { 'x-forwarded-for': `203.0.113.${client}` })).statusCode)
    expect(statuses).toEqual([401, 401, 401, 429, 429])
  })
})
