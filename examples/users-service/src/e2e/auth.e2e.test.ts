import { mintToken } from '@eventcore/service'
import { SignJWT, UnsecuredJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UserBody, UserPage } from '../http/schemas.js'
import {
  bodyOf,
  expectProblem,
  newUser,
  registered,
  STORES,
  startTestService,
  TEST_SECRET,
  type TestService,
} from './harness.js'

const AUDIENCE = 'users-api'
const key = new TextEncoder().encode(TEST_SECRET)
const seconds = (date: Date) => Math.floor(date.getTime() / 1000)

/** A token signed like the service's own, with any claims changed, for the refusals. */
function signed(claims: { aud?: string; iat?: number; exp?: number }, secret: Uint8Array = key) {
  const now = seconds(new Date())
  const jwt = new SignJWT({ roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('mallory')
    .setIssuedAt(claims.iat ?? now)
    .setExpirationTime(claims.exp ?? now + 300)
  if (claims.aud !== undefined) jwt.setAudience(claims.aud)
  return jwt.sign(secret)
}

describe.each(STORES)('authentication and roles over HTTP on %s', (store) => {
  let service: TestService
  beforeAll(async () => {
    service = await startTestService(store, { EVENTCORE_JWT_AUDIENCE: AUDIENCE })
  })
  afterAll(() => service?.close())

  describe('refuses callers without a valid token with 401 problem+json', () => {
    const refusals: [string, () => Promise<string | undefined>][] = [
      ['no token', async () => undefined],
      ['a bad signature', () => signed({ aud: AUDIENCE }, new TextEncoder().encode(`${TEST_SECRET}-but-another`))],
      [
        'a tampered payload',
        async () => {
          const [header, , signature] = (await service.token(['user'], 'ada')).split('.')
          const payload = Buffer.from(JSON.stringify({ sub: 'ada', roles: ['admin'], aud: AUDIENCE })).toString(
            'base64url',
          )
          return `${header}.${payload}.${signature}`
        },
      ],
      [
        'an expired token',
        () => signed({ aud: AUDIENCE, iat: seconds(new Date()) - 600, exp: seconds(new Date()) - 120 }),
      ],
      ['a token issued too long ago', () => signed({ aud: AUDIENCE, iat: seconds(new Date()) - 7200 })],
      [
        'alg: none',
        async () =>
          new UnsecuredJWT({ roles: ['admin'] })
            .setSubject('mallory')
            .setAudience(AUDIENCE)
            .setIssuedAt()
            .setExpirationTime('5m')
            .encode(),
      ],
      ['another audience', () => signed({ aud: 'billing-api' })],
      [
        'no audience',
        () => mintToken({ secret: TEST_SECRET, sub: 'mallory', roles: ['admin'], ttlSeconds: 300, now: new Date() }),
      ],
      ['a token that is not a JWT', async () => 'not-a-jwt'],
    ]

    it.each(refusals)('%s', async (_, make) => {
      const token = await make()
      const response = await service.call('/api/v1/users', { token })
      await expectProblem(response, 401, 'unauthorized')
    })

    it('a scheme other than Bearer', async () => {
      const token = await service.token(['admin'])
      const response = await service.call('/api/v1/users', { headers: { authorization: `Basic ${token}` } })
      const problem = await expectProblem(response, 401, 'unauthorized')
      expect(problem.detail).toMatch(/Bearer/)
    })
  })

  it('says why an expired token is refused, without echoing it', async () => {
    const token = await signed({ aud: AUDIENCE, iat: seconds(new Date()) - 600, exp: seconds(new Date()) - 120 })
    const problem = await expectProblem(await service.call('/api/v1/users', { token }), 401, 'unauthorized')
    expect(problem.detail).toMatch(/"exp"/)
    expect(JSON.stringify(problem)).not.toContain(token)
  })

  it('accepts a token for its audience', async () => {
    const response = await service.call('/api/v1/users', { token: await service.token(['operator'], 'olga') })
    expect(response.status).toBe(200)
    await bodyOf(response, UserPage)
  })

  it('refuses an operator registering a user with 403 and lets an admin do it with 201', async () => {
    const body = newUser('roles')
    const refused = await service.call('/api/v1/users', {
      method: 'POST',
      token: await service.token(['operator'], 'olga'),
      json: body,
    })
    const problem = await expectProblem(refused, 403, 'forbidden')
    expect(problem.detail).toContain('users:create')

    const created = await service.call('/api/v1/users', {
      method: 'POST',
      token: await service.token(['admin'], 'root'),
      json: body,
    })
    expect(created.status).toBe(201)
    expect(await bodyOf(created, UserBody)).toMatchObject({ email: body.email })
  })

  it('refuses a token without roles with 403 on every users route', async () => {
    const token = await service.token([], 'nobody')
    const user = await registered(service, { label: 'no-roles' })
    await expectProblem(await service.call('/api/v1/users', { token }), 403, 'forbidden')
    await expectProblem(await service.call(`/api/v1/users/${user.id}`, { token }), 403, 'forbidden')
  })

  describe('a user', () => {
    it('reads and edits itself', async () => {
      const self = await registered(service, { label: 'self' })
      const token = await service.token(['user'], self.id)

      const read = await service.call(`/api/v1/users/${self.id}`, { token })
      expect(read.status).toBe(200)
      expect(await bodyOf(read, UserBody)).toEqual(self)

      const patched = await service.call(`/api/v1/users/${self.id}`, {
        method: 'PATCH',
        token,
        json: { first_name: 'Augusta' },
      })
      expect(patched.status).toBe(200)
      expect(await bodyOf(patched, UserBody)).toMatchObject({ id: self.id, first_name: 'Augusta', version: 2 })
    })

    it('may not read, edit, list or deactivate anyone else (403)', async () => {
      const self = await registered(service, { label: 'self' })
      const other = await registered(service, { label: 'other' })
      const token = await service.token(['user'], self.id)

      const read = await expectProblem(await service.call(`/api/v1/users/${other.id}`, { token }), 403, 'forbidden')
      expect(read.detail).toMatch(/own user/)
      await expectProblem(
        await service.call(`/api/v1/users/${other.id}`, { method: 'PATCH', token, json: { first_name: 'Eve' } }),
        403,
        'forbidden',
      )
      await expectProblem(await service.call('/api/v1/users', { token }), 403, 'forbidden')
      await expectProblem(
        await service.call(`/api/v1/users/${self.id}/deactivate`, { method: 'POST', token }),
        403,
        'forbidden',
      )
      const untouched = await service.call(`/api/v1/users/${other.id}`, { token: await service.token(['admin']) })
      expect(await bodyOf(untouched, UserBody)).toEqual(other)
    })
  })

  describe('an operator', () => {
    it('reads anyone and lists users', async () => {
      const user = await registered(service, { label: 'operated' })
      const token = await service.token(['operator'], 'olga')
      const read = await service.call(`/api/v1/users/${user.id}`, { token })
      expect(read.status).toBe(200)
      expect(await bodyOf(read, UserBody)).toEqual(user)
      const list = await service.call('/api/v1/users?limit=1', { token })
      expect(list.status).toBe(200)
      await bodyOf(list, UserPage)
    })

    it('may not edit or deactivate anyone (403), and nothing changes', async () => {
      const user = await registered(service, { label: 'operated' })
      const token = await service.token(['operator'], 'olga')
      const patch = await service.call(`/api/v1/users/${user.id}`, {
        method: 'PATCH',
        token,
        json: { last_name: 'Byron' },
      })
      expect((await expectProblem(patch, 403, 'forbidden')).detail).toMatch(/own user|users:update/)
      const deactivate = await service.call(`/api/v1/users/${user.id}/deactivate`, { method: 'POST', token })
      expect((await expectProblem(deactivate, 403, 'forbidden')).detail).toContain('users:deactivate')
      expect(await service.store.streamVersion(`user-${user.id}`)).toBe(1)
    })
  })

  it('answers /api/v1/me for the caller, with its permissions', async () => {
    const response = await service.call('/api/v1/me', { token: await service.token(['operator'], 'olga') })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      subject: 'olga',
      roles: ['operator'],
      permissions: ['users:list', 'users:read'],
      user: null,
    })
  })
})
