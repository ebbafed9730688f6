import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventcoreHttp } from './plugin.js'

const redisUrl = process.env.EVENTCORE_TEST_REDIS_URL
const secret = 'a-redis-test-secret-of-32-bytes-or-more'
const tokenFor = (sub: string) =>
  new SignJWT({ roles: ['user'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret))

async function replica(redis: Redis, namespace: string): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(eventcoreHttp, {
    rateLimit: { max: 5, redis, namespace },
    auth: { secret, roles: { user: ['things:read'] } },
  })
  app.get('/mine', { config: { eventcore: { permission: 'things:read' } } }, async () => ({ ok: true }))
  app.get('/things', { config: { eventcore: { public: true } } }, async () => ({ ok: true }))
  return app
}

describe.runIf(redisUrl)('rate limits shared through Redis', () => {
  // A namespace of this run's own, so parallel runs never share counters and cleanup is exact.
  const namespace = `eventcore:ratelimit:test-${randomUUID()}:`
  const clients: Redis[] = []
  const apps: FastifyInstance[] = []
  const bases: string[] = []

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const redis = new Redis(redisUrl ?? '', { enableOfflineQueue: false, lazyConnect: true })
      await redis.connect()
      clients.push(redis)
      const app = await replica(redis, namespace)
      apps.push(app)
      bases.push(await app.listen({ port: 0, host: '127.0.0.1' }))
    }
  })

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()))
    const [redis] = clients
    const keys = redis ? await redis.keys(`${namespace}*`) : []
    if (redis && keys.length > 0) await redis.del(...keys)
    await Promise.all(clients.map((client) => client.quit()))
  })

  it('counts one client across replicas and answers its sixth request with 429 problem+json', async () => {
    const ada = { authorization: `Bearer ${await tokenFor('ada')}` }
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${bases[i % 2]}/mine`, { headers: ada })
      expect(response.status).toBe(200)
      expect(response.headers.get('ratelimit-limit')).toBe('5')
      expect(response.headers.get('ratelimit-remaining')).toBe(String(4 - i))
    }
    const limited = await fetch(`${bases[1]}/mine`, { headers: ada })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(limited.headers.get('ratelimit-limit')).toBe('5')
    expect(limited.headers.get('ratelimit-remaining')).toBe('0')
    expect(Number(limited.headers.get('ratelimit-reset'))).toBeGreaterThan(0)
    expect(await limited.json()).toMatchObject({ type: 'urn:eventcore:problem:rate-limited', status: 429 })
    expect((await fetch(`${bases[0]}/mine`, { headers: ada })).status).toBe(429)
    expect(await clients[0]?.exists(`${namespace}sub:ada`)).toBe(1)
  })

  it('leaves other clients their own limit', async () => {
    const bob = { authorization: `Bearer ${await tokenFor('bob')}` }
    const asBob = await fetch(`${bases[0]}/mine`, { headers: bob })
    expect(asBob.status).toBe(200)
    expect(asBob.headers.get('ratelimit-remaining')).toBe('4')
    const anonymous = await fetch(`${bases[1]}/things`)
    expect(anonymous.status).toBe(200)
    expect(anonymous.headers.get('ratelimit-remaining')).toBe('4')
  })
})

describe.runIf(redisUrl)('rate limits for refused tokens shared through Redis', () => {
  const namespace = `eventcore:ratelimit:test-${randomUUID()}:`
  let redis: Redis
  const apps: FastifyInstance[] = []

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()))
    const keys = await redis.keys(`${namespace}*`)
    if (keys.length > 0) await redis.del(...keys)
    await redis.quit()
  })

  it('counts one address across replicas, with RateLimit headers on the 401s and 429 past the limit', async () => {
    redis = new Redis(redisUrl ?? '', { enableOfflineQueue: false, lazyConnect: true })
    await redis.connect()
    for (let i = 0; i < 2; i++) apps.push(await replica(redis, namespace))
    const guess = { authorization: 'Bearer guessed.token.value' }
    for (let i = 0; i < 5; i++) {
      const refused = await apps[i % 2]?.inject({ url: '/mine', headers: guess })
      expect(refused?.statusCode).toBe(401)
      expect(refused?.headers['ratelimit-remaining']).toBe(String(4 - i))
    }
    const limited = await apps[1]?.inject({ url: '/mine', headers: guess })
    expect(limited?.statusCode).toBe(429)
    expect(await redis.exists(`${namespace}ip:127.0.0.1`)).toBe(1)
    const ada = await apps[0]?.inject({ url: '/mine', headers: { authorization: `Bearer ${await tokenFor('ada')}` } })
    expect(ada?.statusCode).toBe(200)
  })
})

describe('rate limits with Redis unreachable', () => {
  it('lets requests through unlimited and logs the failure on the request (fail open)', async () => {
    const logged: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logged.push(String(chunk))
        done()
      },
    })
    const redis = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    // Refused connections are expected here; the limiter reports the outage once per interval.
    const refused: unknown[] = []
    redis.on('error', (error) => refused.push(error))
    const app = Fastify({ logger: { level: 'error', stream } })
    await app.register(eventcoreHttp, { rateLimit: { max: 1, redis } })
    app.get('/things', async () => ({ ok: true }))
    try {
      for (let i = 0; i < 3; i++) {
        const response = await app.inject({ url: '/things', headers: { 'x-correlation-id': `outage-${i}` } })
        expect(response.statusCode).toBe(200)
        expect(response.headers['ratelimit-limit']).toBeUndefined()
      }
      const entries: Array<{ msg?: string; correlationId?: string }> = logged.map((line) => JSON.parse(line))
      const failures = entries.filter(
        (entry) => entry.msg === 'rate limiter unavailable; requests let through unlimited',
      )
      // Once per outage interval, not once per request: the first request of the outage says so.
      expect(failures.map((entry) => entry.correlationId)).toEqual(['outage-0'])
      expect(failures[0]).toMatchObject({ level: 50, unlimitedRequests: 1, err: { message: expect.any(String) } })
    } finally {
      await app.close()
      redis.disconnect()
    }
  })
})
