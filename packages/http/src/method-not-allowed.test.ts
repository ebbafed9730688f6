import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { answerMethodNotAllowed } from './method-not-allowed.js'
import { eventcoreHttp } from './plugin.js'

describe('answerMethodNotAllowed', () => {
  it('answers a method the path does not serve with 405 problem+json and Allow, under the prefix', async () => {
    const app = Fastify()
    await app.register(eventcoreHttp)
    await app.register(
      async (scope) => {
        scope.get('/items/:id', async () => ({ ok: true }))
        answerMethodNotAllowed(scope, { '/items/:id': ['GET'] })
      },
      { prefix: '/api' },
    )
    const response = await app.inject({ method: 'DELETE', url: '/api/items/7' })
    expect(response.statusCode).toBe(405)
    expect(response.headers.allow).toBe('GET, HEAD')
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/)
    expect(response.json()).toMatchObject({
      type: 'urn:eventcore:problem:method-not-allowed',
      detail: 'DELETE is not allowed on /api/items/:id; use GET, HEAD',
    })
    expect((await app.inject({ method: 'GET', url: '/api/items/7' })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/api/other' })).statusCode).toBe(404)
    await app.close()
  })
})
