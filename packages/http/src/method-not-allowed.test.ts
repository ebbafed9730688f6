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
        answerMethodNotAllowed(scope)
        scope.get('/items/:id', async () => ({ ok: true }))
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
  it('takes the methods of each path from the routes registered, HEAD with GET, and leaves OPTIONS alone', async () => {
    const app = Fastify()
    await app.register(eventcoreHttp)
    await app.register(async (scope) => {
      answerMethodNotAllowed(scope)
      scope.get('/things', async () => ({ ok: true }))
      scope.post('/things', async () => ({ ok: true }))
      scope.post('/things/:id/archive', async () => ({ ok: true }))
    })
    const answer = async (method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS', url: string) => {
      const response = await app.inject({ method, url })
      return [response.statusCode, response.headers.allow]
    }
    expect(await answer('DELETE', '/things')).toEqual([405, 'GET, POST, HEAD'])
    expect(await answer('PUT', '/things')).toEqual([405, 'GET, POST, HEAD'])
    expect(await answer('HEAD', '/things')).toEqual([200, undefined])
    expect(await answer('POST', '/things')).toEqual([200, undefined])
    expect(await answer('GET', '/things/7/archive')).toEqual([405, 'POST'])
    expect(await answer('HEAD', '/things/7/archive')).toEqual([405, 'POST'])
    expect(await answer('OPTIONS', '/things')).toEqual([404, undefined])
    await app.close()
  })
})
