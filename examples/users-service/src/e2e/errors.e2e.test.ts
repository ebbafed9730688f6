import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  eventsWrittenBy,
  expectProblem,
  newUser,
  registered,
  STORES,
  startTestService,
  type TestService,
} from './harness.js'

const BODY_LIMIT = 1024

describe.each(STORES)('bad requests over HTTP on %s', (store) => {
  let service: TestService
  let admin: string
  beforeAll(async () => {
    service = await startTestService(store, { EVENTCORE_BODY_LIMIT_BYTES: String(BODY_LIMIT) })
    admin = await service.token(['admin'], 'errors-admin')
  })
  afterAll(() => service?.close())

  const post = (body: string, contentType: string) =>
    service.call('/api/v1/users', { method: 'POST', token: admin, body, headers: { 'content-type': contentType } })

  it('answers malformed JSON with 400', async () => {
    const problem = await expectProblem(await post('{"email": "ada@', 'application/json'), 400, 'ctp-invalid-json-body')
    expect(problem.detail).toMatch(/not valid JSON/)
  })

  it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded'])(
    'answers a %s body with 415',
    async (contentType) => {
      const response = await post('email=ada@example.com', contentType)
      await expectProblem(response, 415, 'ctp-invalid-media-type')
    },
  )

  it(`answers a body over ${BODY_LIMIT} bytes with 413, and writes nothing`, async () => {
    const body = JSON.stringify(newUser('huge', { last_name: 'L'.repeat(BODY_LIMIT) }))
    const written = await eventsWrittenBy(service, async () => {
      await expectProblem(await post(body, 'application/json'), 413, 'ctp-body-too-large')
    })
    expect(written).toEqual([])
  })

  it('answers an unknown route with 404', async () => {
    const problem = await expectProblem(await service.call('/api/v1/nothing-here', { token: admin }), 404, 'not-found')
    expect(problem.detail).toBe('no route for GET /api/v1/nothing-here')
  })

  it.each([
    ['DELETE', '/api/v1/users', 'GET, POST, HEAD'],
    ['PUT', '/api/v1/users/0190a6e4-1234-7abc-8def-0123456789ab', 'GET, PATCH, HEAD'],
    ['GET', '/api/v1/users/0190a6e4-1234-7abc-8def-0123456789ab/deactivate', 'POST'],
    ['POST', '/api/v1/me', 'GET, HEAD'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const response = await service.call(path, { method, token: admin })
    expect(response.headers.get('allow')).toBe(allow)
    const problem = await expectProblem(response, 405, 'method-not-allowed')
    expect(problem.detail).toContain(allow)
  })

  it('answers an unknown field with 400 naming it', async () => {
    const response = await service.call('/api/v1/users', {
      method: 'POST',
      token: admin,
      json: newUser('unknown-field', { role: 'admin' }),
    })
    const problem = await expectProblem(response, 400, 'invalid-request')
    expect(problem.errors).toEqual([{ path: 'body/role', message: 'is not an allowed field' }])
  })

  it('answers an invalid e-mail with 400 naming the field', async () => {
    const response = await service.call('/api/v1/users', {
      method: 'POST',
      token: admin,
      json: newUser('bad-email', { email: 'ada-at-example.com' }),
    })
    const problem = await expectProblem(response, 400, 'invalid-request')
    expect(problem.errors).toEqual([{ path: 'body/email', message: expect.stringMatching(/email/) }])
  })

  it('lists every bad field at once', async () => {
    const response = await service.call('/api/v1/users', {
      method: 'POST',
      token: admin,
      json: { email: 'nope', first_name: '', last_name: { first: 'L' }, admin: true },
    })
    const problem = await expectProblem(response, 400, 'invalid-request')
    const fields = ['body/email', 'body/first_name', 'body/last_name', 'body/admin']
    expect(problem.errors).toEqual(expect.arrayContaining(fields.map((path) => expect.objectContaining({ path }))))
    for (const path of ['email', 'first_name', 'last_name', 'admin']) expect(problem.detail).toContain(path)
  })

  // Fastify's ajv converts types by default (coerceTypes: 'array'): right for a query string, where
  // everything is text, wrong for a JSON body, where a number is not a name.
  it.each([
    ['a boolean first name', { first_name: true }],
    ['a number last name', { last_name: 7 }],
    ['an e-mail in an array', { email: ['ada@example.com'] }],
    ['a null first name', { first_name: null }],
  ])('answers %s with 400 "must be string" instead of converting it', async (_, fields) => {
    const written = await eventsWrittenBy(service, async () => {
      const response = await service.call('/api/v1/users', {
        method: 'POST',
        token: admin,
        json: newUser('wrong-type', fields),
      })
      const problem = await expectProblem(response, 400, 'invalid-request')
      expect(problem.errors).toEqual([{ path: `body/${Object.keys(fields)[0]}`, message: 'must be string' }])
    })
    expect(written).toEqual([])
  })

  it('answers a missing field with 400 naming it', async () => {
    const response = await service.call('/api/v1/users', {
      method: 'POST',
      token: admin,
      json: { email: 'ada@example.com', first_name: 'Ada' },
    })
    const problem = await expectProblem(response, 400, 'invalid-request')
    expect(problem.errors).toEqual([{ path: 'body/last_name', message: expect.any(String) }])
  })

  it('answers an empty PATCH with 400', async () => {
    const user = await registered(service, { label: 'empty-patch' })
    const response = await service.call(`/api/v1/users/${user.id}`, { method: 'PATCH', token: admin, json: {} })
    await expectProblem(response, 400, 'invalid-request')
  })

  it.each([
    ['GET', '/api/v1/users/not-a-uuid'],
    ['PATCH', "/api/v1/users/1'%20OR%20'1'='1"],
    ['POST', '/api/v1/users/12345/deactivate'],
  ])('answers %s %s (not a UUID) with 400 naming the id', async (method, path) => {
    const response = await service.call(path, {
      method,
      token: admin,
      ...(method === 'PATCH' ? { json: { first_name: 'X' } } : {}),
    })
    const problem = await expectProblem(response, 400, 'invalid-request')
    expect(problem.errors).toEqual([{ path: 'params/id', message: expect.stringMatching(/uuid/) }])
  })

  it('answers a user that does not exist with 404', async () => {
    const id = '0190a6e4-1234-7abc-8def-0123456789ab'
    await expectProblem(await service.call(`/api/v1/users/${id}`, { token: admin }), 404, 'user-not-found')
    const patch = await service.call(`/api/v1/users/${id}`, { method: 'PATCH', token: admin, json: { last_name: 'X' } })
    await expectProblem(patch, 404, 'user-not-found')
  })

  it.each(['limit=0', 'limit=201', 'limit=ten', 'status=banned', 'sort=email'])(
    'answers the list query %s with 400',
    async (query) => {
      const response = await service.call(`/api/v1/users?${query}`, { token: admin })
      const problem = await expectProblem(response, 400, 'invalid-request')
      expect(problem.detail).toMatch(/^querystring/)
    },
  )

  // A cursor is a query parameter like `limit`: a malformed one is a bad request target (400), as
  // every other bad query parameter is, not unprocessable content (422, RFC 9110 §15.5.21).
  it.each(['garbage!', 'Z2FyYmFnZQ==', 'x'.repeat(201)])(
    'answers a list cursor the API never returned (%s) with 400 like any bad query parameter',
    async (after) => {
      const response = await service.call(`/api/v1/users?after=${encodeURIComponent(after)}`, { token: admin })
      const problem = await expectProblem(response, 400, 'invalid-request')
      expect(problem.detail).toMatch(/after/)
    },
  )

  it.each(['3', '"abc"', 'W/"1"', '"1", "2"', '"-1"'])(
    'answers the malformed If-Match %s with 400, and writes nothing',
    async (ifMatch) => {
      const user = await registered(service, { label: 'if-match' })
      const response = await service.call(`/api/v1/users/${user.id}`, {
        method: 'PATCH',
        token: admin,
        json: { first_name: 'Changed' },
        headers: { 'if-match': ifMatch },
      })
      const problem = await expectProblem(response, 400, 'invalid-if-match')
      expect(problem.detail).toMatch(/If-Match/)
      expect(await service.store.streamVersion(`user-${user.id}`)).toBe(1)
    },
  )

  it('answers a repeated or over-long X-Correlation-Id with 400', async () => {
    const response = await service.call('/api/v1/users', {
      token: admin,
      headers: { 'x-correlation-id': 'c'.repeat(257) },
    })
    const problem = await expectProblem(response, 400, 'invalid-correlation-id')
    expect(problem.detail).toMatch(/256/)
  })

  it('reveals no stack, SQL or internals in a problem for hostile input', async () => {
    const response = await service.call('/api/v1/users', {
      method: 'POST',
      token: admin,
      json: newUser('hostile', { first_name: "'); DROP TABLE users; --", last_name: '\u0000' }),
    })
    // expectProblem checks the body for stack frames, SQL and driver messages.
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(response.status).toBeLessThan(500)
    const problem = await expectProblem(
      response,
      response.status,
      response.status === 400 ? 'invalid-request' : 'validation',
    )
    expect(problem.detail).toMatch(/last_?name/i)
  })
})
