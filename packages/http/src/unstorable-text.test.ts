import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventcoreHttp } from './plugin.js'
import { unstorableIn } from './unstorable-text.js'

let app: FastifyInstance
beforeAll(async () => {
  app = Fastify()
  await app.register(eventcoreHttp)
  app.get('/things/:id', async (request) => ({ params: request.params, query: request.query }))
  await app.ready()
})
afterAll(() => app.close())

describe('unstorable text in paths and query strings', () => {
  it.each([
    ['/things/a%00b', 'params/id', /NUL/],
    ['/things/ok?after=a%00', 'querystring/after', /NUL/],
    ['/things/ok?x=1&x=%00', 'querystring/x', /NUL/],
    ['/things/ok?a%00=1', 'querystring/a\u0000', /NUL/],
  ])('answers %s with 400 naming %s', async (url, path, message) => {
    const response = await app.inject({ url })
    expect(response.statusCode, response.body).toBe(400)
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(response.json()).toMatchObject({
      type: 'urn:eventcore:problem:invalid-request',
      errors: [{ path, message: expect.stringMatching(message) }],
    })
  })

  it('passes any well-formed Unicode through', async () => {
    const response = await app.inject({
      url: `/things/${encodeURIComponent('Zoë 𝒜')}?q=${encodeURIComponent('用户\n')}`,
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ params: { id: 'Zoë 𝒜' }, query: { q: '用户\n' } })
  })

  it('says what cannot be stored', () => {
    expect(unstorableIn('Ada 𝒜')).toBeUndefined()
    expect(unstorableIn('a\u0000')).toMatch(/NUL/)
    expect(unstorableIn('a\udc00')).toMatch(/lone UTF-16 surrogate/)
  })
})
