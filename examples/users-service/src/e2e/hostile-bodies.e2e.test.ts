// The hostile inputs of issue 8, as a new user sent them: each is refused as the client's error
// (4xx problem+json), never reaches the database as a 503 or 500, and writes nothing.
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  eventsWrittenBy,
  expectProblem,
  newUser,
  registered,
  STORES,
  startTestService,
  TEST_SECRET,
  type TestService,
} from './harness.js'

const signedFor = (sub: string) =>
  new SignJWT({ roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(TEST_SECRET))

describe.each(STORES)('hostile bodies and tokens over HTTP on %s', (store) => {
  let service: TestService
  let admin: string
  beforeAll(async () => {
    service = await startTestService(store)
    admin = await service.token(['admin'], 'hostile-bodies-admin')
  })
  afterAll(() => service?.close())

  const register = (body: string, token = admin) =>
    service.call('/api/v1/users', { method: 'POST', token, body, headers: { 'content-type': 'application/json' } })

  it.each([
    ['a lone surrogate in a name', '"first_name":"a\\ud800"', 'body/first_name', /lone UTF-16 surrogate/],
    ['a NUL in a name', '"last_name":"\\u0000"', 'body/last_name', /NUL/],
    ['a NUL in a key', '"first\\u0000name":"Ada"', 'body/first\u0000name', /NUL/],
    ['__proto__', '"__proto__":{"admin":true}', 'body/__proto__', /prototype pollution/],
    ['constructor.prototype', '"constructor":{"prototype":{"admin":true}}', 'body/constructor/prototype', /pollution/],
  ])('answers a registration with %s with 400 naming where, writing nothing', async (_what, member, path, message) => {
    const fields = JSON.stringify(newUser('hostile')).slice(1, -1)
    let response: Response | undefined
    const written = await eventsWrittenBy(service, async () => {
      response = await register(`{${fields},${member}}`)
    })
    if (!response) throw new Error('no response')
    const problem = await expectProblem(response, 400, 'invalid-request')
    expect(problem.errors).toEqual([{ path, message: expect.stringMatching(message) }])
    expect(written).toEqual([])
  })

  it('answers a body nested 10,000 deep, sent with an Idempotency-Key to deactivate, with 400', async () => {
    const user = await registered(service, { label: 'deep' })
    let response: Response | undefined
    const written = await eventsWrittenBy(service, async () => {
      response = await service.call(`/api/v1/users/${user.id}/deactivate`, {
        method: 'POST',
        token: admin,
        headers: { 'content-type': 'application/json', 'idempotency-key': `deep-${user.id}`, 'if-match': '"1"' },
        body: `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      })
    })
    if (!response) throw new Error('no response')
    const problem = await expectProblem(response, 400, 'invalid-request')
    expect(problem.detail).toMatch(/nests deeper than 64 levels/)
    expect(written).toEqual([])
  })

  it.each([
    ['a NUL', 'ada\u0000'],
    ['a newline', 'ada\n{"level":60}'],
    ['a lone surrogate', 'ada\ud800'],
  ])('refuses a token whose subject holds %s with 401, before the database', async (_what, sub) => {
    const token = await signedFor(sub)
    await expectProblem(await service.call('/api/v1/me', { token }), 401, 'unauthorized')
    const written = await eventsWrittenBy(service, async () => {
      await expectProblem(await register(JSON.stringify(newUser('by-bad-sub')), token), 401, 'unauthorized')
    })
    expect(written).toEqual([])
  })
})
