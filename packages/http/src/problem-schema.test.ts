import {
  BusinessRuleError,
  ConcurrencyError,
  StoreUnavailableError,
  TimeoutError,
  ValidationError,
} from '@eventcore/core'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { eventcoreHttp } from './plugin.js'
import { HttpProblem } from './problem.js'
import { PROBLEM_SCHEMA, problemResponse, standardProblems } from './problem-schema.js'

// Every kind of error a route may end with, and the status it answers.
const ERRORS: ReadonlyArray<[string, Error]> = [
  ['validation', new ValidationError([{ path: 'email', message: 'is not an address' }])],
  ['business rule', new BusinessRuleError('email-taken', 'taken')],
  ['concurrency', new ConcurrencyError([{ streamId: 'user-1', expected: 1, actual: 2 }])],
  ['timeout', new TimeoutError(100)],
  ['store unavailable', new StoreUnavailableError('down', { transient: true, retryAfterMs: 2000 })],
  [
    'HttpProblem with details',
    new HttpProblem(412, 'version-mismatch', 'Precondition Failed', 'stale', {
      rule: 'version-mismatch',
      expected: 1,
      actual: 2,
    }),
  ],
  [
    'HttpProblem with errors',
    new HttpProblem(400, 'invalid-request', 'Bad Request', 'bad', {
      errors: [{ path: 'body/x', message: 'bad', extra: true }],
    }),
  ],
  ['anything else', new Error('boom')],
]

/** An app whose one route ends with `error`, answering with or without the documented problem responses. */
async function appThrowing(error: Error, documented: boolean) {
  const app = Fastify({ logger: false })
  await app.register(eventcoreHttp, { rateLimit: { max: 1000 } })
  app.addSchema(PROBLEM_SCHEMA)
  const response = {
    200: { type: 'object' },
    ...standardProblems(),
    409: problemResponse(409),
    412: problemResponse(412),
    422: problemResponse(422),
  }
  app.get('/fail', documented ? { schema: { response } } : {}, async () => {
    throw error
  })
  return app
}

describe('PROBLEM_SCHEMA as the response schema of a route', () => {
  it.each(ERRORS)('serializes a problem from %s exactly as without it', async (_, error) => {
    const answers = []
    for (const documented of [true, false]) {
      const app = await appThrowing(error, documented)
      const response = await app.inject({ url: '/fail', headers: { 'x-correlation-id': 'problem-schema-test' } })
      answers.push({
        status: response.statusCode,
        type: response.headers['content-type'],
        retryAfter: response.headers['retry-after'],
        body: response.json(),
      })
      await app.close()
    }
    expect(answers[0]?.type).toBe('application/problem+json; charset=utf-8')
    expect(answers[0]).toEqual(answers[1])
  })
})

describe('problemResponse', () => {
  it('documents Retry-After on 429 and 503 only, and the correlation id and rate limits on all', () => {
    for (const status of [400, 401, 403, 404, 409, 412, 413, 415, 422, 429, 500, 503] as const) {
      const { headers, content, description } = problemResponse(status)
      expect(Object.hasOwn(headers, 'retry-after'), String(status)).toBe(status === 429 || status === 503)
      expect(Object.keys(headers)).toEqual(expect.arrayContaining(['x-correlation-id', 'ratelimit-limit']))
      expect(content['application/problem+json'].schema).toEqual({ $ref: 'Problem#' })
      expect(description).toMatch(/\S/)
    }
  })
})
