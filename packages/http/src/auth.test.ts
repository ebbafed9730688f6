import Fastify, { type FastifyInstance } from 'fastify'
import { exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AuthOptions, can, type RouteAccess } from './auth.js'
import { eventcoreHttp, executionContext } from './plugin.js'

const secret = 'a-test-secret-of-at-least-32-bytes!!'
const key = new TextEncoder().encode(secret)
const roles = { admin: ['users:read', 'users:write'], user: ['users:read'], self: ['users:read:self'] }
let app: FastifyInstance
let rsaApp: FastifyInstance
let rsaPublicPem = ''

const now = () => Math.floor(Date.now() / 1000)
function token(claims: Record<string, unknown> = {}, { exp = now() + 300, iat = now(), audience = 'users-api' } = {}) {
  return new SignJWT({ roles: ['user'], ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user-1')
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key)
}

async function build(auth: Parameters<typeof eventcoreHttp>[1]['auth']): Promise<FastifyInstance> {
  const instance = Fastify()
  await instance.register(eventcoreHttp, { auth })
  instance.get('/users', { config: { eventcore: { permission: 'users:read' } } }, async (request) =>
    executionContext(request),
  )
  instance.post('/users', { config: { eventcore: { permission: 'users:write' } } }, async () => ({ ok: true }))
  instance.get(
    '/any-of',
    { config: { eventcore: { permission: ['users:read', 'users:read:self'] } } },
    async (request) => ({ all: can(request, 'users:read'), self: can(request, 'users:read:self') }),
  )
  instance.get('/open', { config: { eventcore: { public: true } } }, async (request) => ({
    who: request.principal?.id ?? null,
  }))
  await instance.ready()
  return instance
}

beforeAll(async () => {
  app = await build({ secret, roles, audience: 'users-api' })
  const pair = await generateKeyPair('RS256')
  rsaPublicPem = await exportSPKI(pair.publicKey)
  rsaApp = await build({ publicKeyPem: rsaPublicPem, roles })
})
afterAll(async () => {
  await app.close()
  await rsaApp.close()
})

const get = (instance: FastifyInstance, bearer?: string, url = '/users') =>
  instance.inject({ method: 'GET', url, headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } })

describe('bearer tokens and roles', () => {
  it('lets a valid token with the right role in, and makes its subject the actor', async () => {
    const response = await get(app, await token())
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ actor: 'user-1' })
  })

  it.each([
    ['no token', async () => undefined],
    ['a malformed header', async () => 'not.a.jwt'],
    ['a bad signature', async () => `${(await token()).slice(0, -4)}AAAA`],
    ['an expired token', async () => token({}, { exp: now() - 3600, iat: now() - 7200 })],
    ['a token too old for the maximum lifetime', async () => token({}, { exp: now() + 3600, iat: now() - 7200 })],
    ['the wrong audience', async () => token({}, { audience: 'someone-else' })],
    [
      'alg: none',
      async () =>
        `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
          JSON.stringify({ sub: 'user-1', roles: ['admin'], aud: 'users-api', exp: now() + 300, iat: now() }),
        ).toString('base64url')}.`,
    ],
  ])('refuses %s with 401 problem+json', async (_what, make) => {
    const response = await get(app, await make())
    expect(response.statusCode).toBe(401)
    expect(response.headers['content-type']).toMatch(/problem\+json/)
    expect(response.json()).toMatchObject({ type: 'urn:eventcore:problem:unauthorized' })
  })

  it('refuses a missing exp', async () => {
    const noExp = await new SignJWT({ roles: ['user'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-1')
      .setAudience('users-api')
      .setIssuedAt()
      .sign(key)
    expect((await get(app, noExp)).statusCode).toBe(401)
  })

  it('answers 403 when the role lacks the permission, and lets the right role write', async () => {
    const asUser = await app.inject({
      method: 'POST',
      url: '/users',
      headers: { authorization: `Bearer ${await token()}` },
      payload: {},
    })
    expect(asUser.statusCode).toBe(403)
    expect(asUser.json()).toMatchObject({ type: 'urn:eventcore:problem:forbidden' })
    const asAdmin = await app.inject({
      method: 'POST',
      url: '/users',
      headers: { authorization: `Bearer ${await token({ roles: ['admin'] })}` },
      payload: {},
    })
    expect(asAdmin.statusCode).toBe(200)
  })

  it('lets in a caller holding any one of several permissions, and tells the route which', async () => {
    const asSelf = await get(app, await token({ roles: ['self'] }), '/any-of')
    expect(asSelf.statusCode).toBe(200)
    expect(asSelf.json()).toEqual({ all: false, self: true })
    expect((await get(app, await token({ roles: ['user'] }), '/any-of')).json()).toEqual({ all: true, self: false })
    const none = await get(app, await token({ roles: [] }), '/any-of')
    expect(none.statusCode).toBe(403)
    expect(none.json().detail).toBe('this route needs the permission users:read or users:read:self')
  })

  it('answers the probes without a token, as kubelets call them', async () => {
    expect((await get(app, undefined, '/health')).statusCode).toBe(200)
    expect((await get(app, undefined, '/ready')).statusCode).toBe(200)
  })

  it('serves public routes without a token', async () => {
    expect((await get(app, undefined, '/open')).json()).toEqual({ who: null })
  })

  it('refuses algorithm confusion: an HS256 token signed with the RSA public key as secret', async () => {
    const forged = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('attacker')
      .setIssuedAt()
      .setExpirationTime(now() + 300)
      .sign(new TextEncoder().encode(rsaPublicPem))
    expect((await get(rsaApp, forged)).statusCode).toBe(401)
  })

  it('refuses to start with two key sources or none, for callers the types do not reach', async () => {
    const refusals: ReadonlyArray<readonly [object, RegExp]> = [
      [{ secret, jwksUrl: 'https://id.example.com/jwks' }, /one of secret, jwksUrl, publicKeyPem; got secret, jwksUrl/],
      [{}, /needs a secret, a jwksUrl or a publicKeyPem/],
    ]
    for (const [key, refusal] of refusals) {
      const instance = Fastify()
      const auth = { ...key, roles } as unknown as AuthOptions
      await expect(instance.register(eventcoreHttp, { auth }).ready()).rejects.toThrow(refusal)
      await instance.close()
    }
  })

  it('refuses a route both public and guarded by a permission, for callers the types do not reach', async () => {
    const instance = Fastify()
    await instance.register(eventcoreHttp, { auth: { secret, roles } })
    const access = { public: true, permission: 'users:read' } as unknown as RouteAccess
    expect(() => instance.get('/both', { config: { eventcore: access } }, async () => ({}))).toThrow(/not both/)
    await instance.close()
  })

  it('refuses to start with a short secret', async () => {
    const instance = Fastify()
    await expect(instance.register(eventcoreHttp, { auth: { secret: 'short', roles } }).ready()).rejects.toThrow(
      /at least 32 bytes/,
    )
    await instance.close()
  })
})
