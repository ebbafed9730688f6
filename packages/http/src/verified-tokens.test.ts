import Fastify, { type FastifyInstance } from 'fastify'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventcoreHttp } from './plugin.js'
import { createVerifiedTokens } from './verified-tokens.js'

describe('createVerifiedTokens', () => {
  it('keeps a value until its time is up, and forgets it then', () => {
    const cache = createVerifiedTokens<string>(10)
    cache.set('t', 'ada', 1000)
    expect(cache.get('t', 999)).toBe('ada')
    expect(cache.get('t', 1000)).toBeUndefined()
    expect(cache.get('t', 10)).toBeUndefined() // forgotten, not just hidden
  })

  it('lets the oldest entry go when full', () => {
    const cache = createVerifiedTokens<number>(2)
    cache.set('a', 1, 100)
    cache.set('b', 2, 100)
    cache.set('c', 3, 100)
    expect([cache.get('a', 0), cache.get('b', 0), cache.get('c', 0)]).toEqual([undefined, 2, 3])
  })
})

describe('bearer tokens remembered after verification', () => {
  const secret = 'a-cache-test-secret-of-at-least-32-bytes'
  const start = new Date('2026-06-01T12:00:00Z')
  let now = start
  let app: FastifyInstance
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000)
  const token = (expiresIn: number) =>
    new SignJWT({ roles: ['user'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ada')
      .setIssuedAt(seconds(start))
      .setExpirationTime(seconds(start) + expiresIn)
      .sign(new TextEncoder().encode(secret))

  beforeAll(async () => {
    app = Fastify()
    await app.register(eventcoreHttp, {
      auth: {
        secret,
        roles: { user: ['read'] },
        clockToleranceSeconds: 0,
        verifiedCacheSeconds: 600,
        clock: () => now,
      },
    })
    app.get('/who', { config: { eventcore: { permission: 'read' } } }, async (request) => ({
      who: request.principal?.id,
    }))
    await app.ready()
  })
  afterAll(() => app.close())

  const call = (bearer: string) => app.inject({ url: '/who', headers: { authorization: `Bearer ${bearer}` } })

  it('stops accepting a remembered token the moment it expires', async () => {
    const short = await token(120)
    expect((await call(short)).json()).toEqual({ who: 'ada' })
    now = new Date(start.getTime() + 119_000)
    expect((await call(short)).statusCode).toBe(200)
    now = new Date(start.getTime() + 120_000)
    const expired = await call(short)
    expect(expired.statusCode).toBe(401)
    expect(expired.json().detail).toMatch(/"exp" claim timestamp check failed/)
  })

  it('never remembers a refused token', async () => {
    now = start
    const good = await token(300)
    const tampered = `${good.slice(0, -4)}AAAA`
    expect((await call(tampered)).statusCode).toBe(401)
    expect((await call(good)).statusCode).toBe(200)
    expect((await call(tampered)).statusCode).toBe(401)
  })
})
