import {
  BusinessRuleError,
  ConcurrencyError,
  StoreUnavailableError,
  TimeoutError,
  ValidationError,
} from '@eventcore/core'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventcoreHttp, executionContext } from './plugin.js'
import { HttpProblem } from './problem.js'

let app: FastifyInstance

beforeAll(async () => {
  // Every bad field at once, and unknown fields refused rather than dropped: the service's Fastify
  // options (the plugin cannot change the validator of an app that exists already).
  app = Fastify({ bodyLimit: 1024, ajv: { customOptions: { allErrors: true, removeAdditional: false } } })
  await app.register(eventcoreHttp)
  const throwing: Record<string, Error> = {
    validation: new ValidationError([
      { path: 'email', message: 'is not an e-mail address' },
      { path: 'name', message: 'is empty' },
    ]),
    'business-rule': new BusinessRuleError('email-taken', 'ada@example.com is already registered'),
    concurrency: new ConcurrencyError([{ streamId: 'user-1', expected: 3, actual: 4 }]),
    timeout: new TimeoutError(5000),
    'store-unavailable': new StoreUnavailableError('connect ECONNREFUSED 10.0.0.7:5432', { transient: true }),
    precondition: new HttpProblem(412, 'stale-version', 'Precondition Failed', 'the user is at version 4, not 3', {
      currentVersion: 4,
    }),
    bug: new TypeError("Cannot read properties of undefined (reading 'secret')"),
  }
  app.get<{ Params: { kind: string } }>('/throw/:kind', async (request) => {
    throw throwing[request.params.kind] ?? new Error('unknown kind')
  })
  app.get('/context', async (request) => executionContext(request))
  app.post(
    '/users',
    {
      schema: {
        body: {
          type: 'object',
          required: ['email', 'name'],
          additionalProperties: false,
          properties: { email: { type: 'string', format: 'email' }, name: { type: 'string', minLength: 1 } },
        },
      },
    },
    async () => ({ ok: true }),
  )
  await app.ready()
})
afterAll(() => app.close())

const problemOf = (response: { headers: Record<string, unknown>; json: () => unknown }) => {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
  return response.json() as Record<string, unknown>
}

describe('problem+json for every error', () => {
  it.each([
    ['validation', 422, 'urn:eventcore:problem:validation'],
    ['business-rule', 409, 'urn:eventcore:problem:business-rule'],
    ['concurrency', 409, 'urn:eventcore:problem:concurrency'],
    ['timeout', 503, 'urn:eventcore:problem:timeout'],
    ['store-unavailable', 503, 'urn:eventcore:problem:store-unavailable'],
    ['precondition', 412, 'urn:eventcore:problem:stale-version'],
    ['bug', 500, 'urn:eventcore:problem:internal'],
  ])('answers %s with %i and a stable type', async (kind, status, type) => {
    const response = await app.inject({
      method: 'GET',
      url: `/throw/${kind}`,
      headers: { 'x-correlation-id': 'req-9' },
    })
    expect(response.statusCode).toBe(status)
    expect(problemOf(response)).toMatchObject({ type, status, instance: `/throw/${kind}`, correlationId: 'req-9' })
  })

  it('lists every bad field of an EventCore validation error, and names the rule of a business error', async () => {
    expect(problemOf(await app.inject({ method: 'GET', url: '/throw/validation' }))).toMatchObject({
      errors: [
        { path: 'email', message: 'is not an e-mail address' },
        { path: 'name', message: 'is empty' },
      ],
    })
    expect(problemOf(await app.inject({ method: 'GET', url: '/throw/business-rule' }))).toMatchObject({
      rule: 'email-taken',
      detail: 'ada@example.com is already registered',
    })
    expect(problemOf(await app.inject({ method: 'GET', url: '/throw/precondition' }))).toMatchObject({
      currentVersion: 4,
    })
  })

  it('never lets internals out: no stack, no driver message, no addresses', async () => {
    for (const kind of ['bug', 'store-unavailable']) {
      const body = (await app.inject({ method: 'GET', url: `/throw/${kind}` })).body
      expect(body).not.toMatch(/secret|ECONNREFUSED|10\.0\.0\.7|at .*\.ts:\d+/)
    }
  })

  it('answers schema validation with 400 and every bad field at once', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'not-an-email', extra: true },
    })
    expect(response.statusCode).toBe(400)
    const problem = problemOf(response)
    expect(problem.type).toBe('urn:eventcore:problem:invalid-request')
    const paths = (problem.errors as Array<{ path: string }>).map((e) => e.path)
    expect(paths).toEqual(expect.arrayContaining(['body/name', 'body/extra', 'body/email']))
  })

  it('answers malformed JSON, a wrong content type, an oversized body and an unknown route', async () => {
    const malformed = await app.inject({
      method: 'POST',
      url: '/users',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    })
    expect(malformed.statusCode).toBe(400)
    expect(problemOf(malformed).detail).toMatch(/JSON/i)

    const wrongType = await app.inject({
      method: 'POST',
      url: '/users',
      headers: { 'content-type': 'text/csv' },
      payload: 'a,b',
    })
    expect(wrongType.statusCode).toBe(415)
    problemOf(wrongType)

    const huge = await app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'a@b.co', name: 'x'.repeat(5000) },
    })
    expect(huge.statusCode).toBe(413)
    problemOf(huge)

    const unknown = await app.inject({ method: 'GET', url: '/nowhere' })
    expect(unknown.statusCode).toBe(404)
    expect(problemOf(unknown)).toMatchObject({ type: 'urn:eventcore:problem:not-found', instance: '/nowhere' })
  })

  it('repeats at most 256 characters of a long URL', async () => {
    const unknown = await app.inject({ method: 'GET', url: `/nowhere/${'z'.repeat(5000)}` })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.body.length).toBeLessThan(1000)
    expect(problemOf(unknown).instance).toMatch(/^\/nowhere\/z{247}…$/)
  })
})

describe('correlation ids', () => {
  it('echoes the caller’s id as given, any string at all', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/context',
      headers: { 'x-correlation-id': 'not a uuid, fine' },
    })
    expect(response.headers['x-correlation-id']).toBe('not a uuid, fine')
    expect(response.json()).toMatchObject({ correlationId: 'not a uuid, fine' })
  })

  it('makes one when there is none, and hands it to commands with the request id as causation', async () => {
    const response = await app.inject({ method: 'GET', url: '/context' })
    const id = response.headers['x-correlation-id']
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(response.json()).toMatchObject({ correlationId: id, causationId: expect.any(String) })
  })

  it('refuses an id it would have to cut, rather than replace it silently', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/context',
      headers: { 'x-correlation-id': 'x'.repeat(300) },
    })
    expect(response.statusCode).toBe(400)
    expect(problemOf(response)).toMatchObject({ type: 'urn:eventcore:problem:invalid-correlation-id' })
  })
})
