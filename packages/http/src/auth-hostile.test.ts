import Fastify, { type FastifyInstance } from 'fastify'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventcoreHttp, executionContext } from './plugin.js'

const secret = 'a-hostile-test-secret-of-32-bytes-or-more'
const key = new TextEncoder().encode(secret)
const now = () => Math.floor(Date.now() / 1000)
let app: FastifyInstance

function token({ sub = 'user-1', nbf, iss = 'issuer' }: { sub?: string; nbf?: number; iss?: string }) {
  const jwt = new SignJWT({ roles: ['user'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(iss)
    .setIssuedAt()
    .setExpirationTime(now() + 300)
  return (nbf === undefined ? jwt : jwt.setNotBefore(nbf)).sign(key)
}

beforeAll(async () => {
  app = Fastify()
  await app.register(eventcoreHttp, { auth: { secret, issuer: 'issuer', roles: { user: ['users:read'] } } })
  app.get('/users', { config: { eventcore: { permission: 'users:read' } } }, async (request) =>
    executionContext(request),
  )
  await app.ready()
})
afterAll(() => app.close())

const get = (bearer: string) => app.inject({ url: '/users', headers: { authorization: `Bearer ${bearer}` } })

describe('hostile bearer tokens', () => {
  it.each([
    ['a NUL', 'ada\u0000'],
    ['a newline (log injection)', 'ada\n{"level":60}'],
    ['a carriage return', 'ada\r'],
    ['DEL', 'ada\u007f'],
    ['a C1 control character', 'ada\u0085'],
    ['a lone UTF-16 surrogate', 'ada\ud800'],
    ['nothing', ''],
    ['257 characters', 'a'.repeat(257)],
  ])('refuses a subject with %s with 401 problem+json, before any route runs', async (_what, sub) => {
    const response = await get(await token({ sub }))
    expect(response.statusCode).toBe(401)
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(response.json()).toMatchObject({ type: 'urn:eventcore:problem:unauthorized' })
    expect(response.json().detail).toMatch(/subject|sub/)
  })

  it('accepts subjects of any script, up to 256 characters, surrogate pairs included', async () => {
    for (const sub of ['ада', '用户-𝒜', 'a'.repeat(256), 'user@example.com']) {
      const response = await get(await token({ sub }))
      expect(response.statusCode, sub).toBe(200)
      expect(response.json()).toMatchObject({ actor: sub })
    }
  })

  it.each([
    ['not yet valid (nbf in an hour)', () => token({ nbf: now() + 3600 })],
    ['from another issuer', () => token({ iss: 'someone-else' })],
    ['of 100 kB', async () => `${await token({})}${'A'.repeat(100_000)}`],
    ['of 100 kB of claims', () => token({ sub: 'a'.repeat(100_000) })],
  ])('refuses a token %s with 401 problem+json', async (_what, make) => {
    const response = await get(await make())
    expect(response.statusCode).toBe(401)
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(response.body.length).toBeLessThan(1000) // the token is never echoed
  })
})
