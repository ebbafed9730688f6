import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import { type EventcoreHttpOptions, eventcoreHttp } from './plugin.js'

const apps: FastifyInstance[] = []
afterAll(() => Promise.all(apps.map((app) => app.close())))

async function appWith(options: EventcoreHttpOptions): Promise<FastifyInstance> {
  const app = Fastify({ trustProxy: true })
  apps.push(app)
  await app.register(eventcoreHttp, options)
  app.get('/things', async () => ({ ok: true }))
  app.post('/things', async () => ({ ok: true }))
  await app.ready()
  return app
}

describe('security headers and HTTPS', () => {
  it('sends the API security headers on every response', async () => {
    const app = await appWith({})
    const response = await app.inject({ method: 'GET', url: '/things' })
    // Exactly this: a JSON API needs no scripts, styles or anything else a page would.
    expect(response.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'")
    expect(response.headers['x-content-type-options']).toBe('nosniff')
    expect(response.headers['referrer-policy']).toBe('no-referrer')
    expect(response.headers['x-frame-options']).toBe('DENY')
    expect(response.headers['strict-transport-security']).toBeUndefined() // not enforced here
  })

  it('redirects plain-HTTP reads and refuses plain-HTTP writes when HTTPS is enforced, behind a proxy', async () => {
    const app = await appWith({ security: { enforceHttps: true } })
    const read = await app.inject({
      method: 'GET',
      url: '/things?x=1',
      headers: { host: 'api.example.com', 'x-forwarded-proto': 'http' },
    })
    expect(read.statusCode).toBe(308)
    expect(read.headers.location).toBe('https://api.example.com/things?x=1')
    const write = await app.inject({
      method: 'POST',
      url: '/things',
      headers: { 'x-forwarded-proto': 'http' },
      payload: {},
    })
    expect(write.statusCode).toBe(403)
    expect(write.json()).toMatchObject({ type: 'urn:eventcore:problem:https-required' })
    const secure = await app.inject({ method: 'GET', url: '/things', headers: { 'x-forwarded-proto': 'https' } })
    expect(secure.statusCode).toBe(200)
    expect(secure.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains')
    const probe = await app.inject({ method: 'GET', url: '/health', headers: { 'x-forwarded-proto': 'http' } })
    expect(probe.statusCode).toBe(200) // in-cluster probes speak plain HTTP
  })
})

describe('health and readiness', () => {
  it('answers liveness always, and readiness from its checks within a time limit', async () => {
    let databaseUp = true
    const app = await appWith({
      health: {
        readyTimeoutMs: 50,
        readiness: [
          {
            name: 'database',
            check: async () => {
              if (!databaseUp) throw new Error('connection refused')
            },
          },
          { name: 'slow', check: () => new Promise((resolve) => setTimeout(resolve, 10)) },
        ],
      },
    })
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' })
    const ready = await app.inject({ method: 'GET', url: '/ready' })
    expect(ready.statusCode).toBe(200)
    databaseUp = false
    const down = await app.inject({ method: 'GET', url: '/ready' })
    expect(down.statusCode).toBe(503)
    expect(down.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(down.json()).toMatchObject({
      type: 'urn:eventcore:problem:not-ready',
      detail: 'failing: database',
      state: 'not-ready',
      checks: [
        { name: 'database', ok: false, error: 'connection refused' },
        { name: 'slow', ok: true },
      ],
    })
  })

  it('fails a check that does not answer in time', async () => {
    const app = await appWith({
      health: { readyTimeoutMs: 20, readiness: [{ name: 'hung', check: () => new Promise(() => {}) }] },
    })
    const response = await app.inject({ method: 'GET', url: '/ready' })
    expect(response.statusCode).toBe(503)
    expect(response.json()).toMatchObject({ checks: [{ name: 'hung', ok: false, error: 'no answer within 20 ms' }] })
  })

  it('stays ready, degraded, when only a check that is not critical fails', async () => {
    const down = () => Promise.reject(new Error('limiter store down'))
    const degraded = await appWith({
      health: {
        readiness: [
          { name: 'db', check: async () => {} },
          { name: 'limiter', check: down, critical: false },
        ],
      },
    })
    const response = await degraded.inject({ method: 'GET', url: '/ready' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({
      status: 'degraded',
      checks: [
        { name: 'db', ok: true },
        { name: 'limiter', ok: false, error: 'limiter store down' },
      ],
    })
    const both = await appWith({
      health: {
        readiness: [
          { name: 'db', check: down },
          { name: 'limiter', check: down, critical: false },
        ],
      },
    })
    const unready = await both.inject({ method: 'GET', url: '/ready' })
    expect(unready.statusCode).toBe(503)
    expect(unready.json()).toMatchObject({ detail: 'failing: db' })
  })

  it('turns not-ready while draining, and stays alive', async () => {
    const app = await appWith({})
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200)
    app.eventcore.startDraining()
    const draining = await app.inject({ method: 'GET', url: '/ready' })
    expect(draining.statusCode).toBe(503)
    expect(draining.json()).toMatchObject({ type: 'urn:eventcore:problem:not-ready', state: 'draining' })
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
  })
})
