import { createMemoryIdempotencyStore } from '@eventcore/core/idempotency'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseJsonBody } from './json-body.js'
import { eventcoreHttp } from './plugin.js'

let app: FastifyInstance
beforeAll(async () => {
  app = Fastify()
  await app.register(eventcoreHttp, { idempotency: { store: createMemoryIdempotencyStore() } })
  // No body schema: whatever parses reaches the handler (and the idempotency fingerprint).
  app.post('/anything', { config: { eventcore: { idempotent: true } } }, async (request) => ({
    received: request.body,
  }))
  await app.ready()
})
afterAll(() => app.close())

const post = (payload: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/anything', payload, headers: { 'content-type': 'application/json', ...headers } })

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

async function expectRefused(payload: string, where: string | RegExp, slug = 'invalid-request') {
  const response = await post(payload, { 'idempotency-key': `key-${Math.random()}` })
  expect(response.statusCode, response.body).toBe(400)
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
  const problem = response.json()
  expect(problem.type).toBe(`urn:eventcore:problem:${slug}`)
  expect(problem.detail).toMatch(where)
  return problem
}

describe('JSON bodies', () => {
  it('parses ordinary JSON, Unicode and surrogate pairs included', async () => {
    const body = { name: 'Zoë 𝒜 用户', tags: ['a', { deep: [1, 2.5, null, true] }], constructor: 'fine' }
    const response = await post(JSON.stringify(body))
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ received: body })
  })

  it.each([
    ['a lone surrogate in a value', '{"first_name":"a\\ud800"}', 'body/first_name', /lone UTF-16 surrogate/],
    ['a lone low surrogate in an array', '{"tags":["ok","\\udc00x"]}', 'body/tags/1', /surrogate/],
    ['a NUL in a value', '{"last_name":"\\u0000"}', 'body/last_name', /NUL/],
    ['a NUL in a key', '{"a":{"k\\u0000":1}}', 'body/a/k\u0000', /key that contains a NUL/],
    ['a lone surrogate in a key', '{"\\ud83d":1}', 'body/\ud83d', /key that contains a lone/],
    ['a NUL as the whole body', '"\\u0000"', 'body', /NUL/],
  ])('refuses %s with 400 naming where', async (_what, payload, path, message) => {
    const problem = await expectRefused(payload, message)
    expect(problem.errors).toEqual([{ path, message: expect.stringMatching(message) }])
  })

  it.each([
    ['__proto__', '{"user":{"__proto__":{"admin":true}}}', 'body/user/__proto__'],
    ['constructor.prototype', '{"constructor":{"prototype":{"admin":true}}}', 'body/constructor/prototype'],
  ])('refuses the prototype-pollution key %s with 400', async (_what, payload, path) => {
    const problem = await expectRefused(payload, /prototype pollution/)
    expect(problem.errors[0].path).toBe(path)
    expect(Object.prototype).not.toHaveProperty('admin')
  })

  it('accepts 64 levels of nesting and refuses 65, before parsing', async () => {
    expect((await post(nested(64))).statusCode).toBe(200)
    await expectRefused(nested(65), /nests deeper than 64 levels/)
    // Brackets inside strings are text, not nesting.
    expect((await post(JSON.stringify({ s: '['.repeat(1000) }))).statusCode).toBe(200)
  })

  it('answers a body nested 10,000 deep with an Idempotency-Key with 400, not 500', async () => {
    await expectRefused(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`, /nests deeper/)
  })

  it('answers malformed and empty JSON with 400 as before', async () => {
    await expectRefused('{"email": "ada@', /not valid JSON/, 'ctp-invalid-json-body')
    await expectRefused('', /cannot be empty/, 'ctp-empty-json-body')
  })

  it('counts escaped quotes and backslashes in strings right when measuring depth', () => {
    expect(parseJsonBody('{"a":"\\"[[[","b":"\\\\","c":[{}]}', { maxDepth: 3 })).toEqual({
      a: '"[[[',
      b: '\\',
      c: [{}],
    })
    expect(() => parseJsonBody('[[["\\"]"]]]', { maxDepth: 2 })).toThrow(/deeper than 2/)
  })
})
