import { Writable } from 'node:stream'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { eventcoreLoggerOptions } from './logging.js'
import { eventcoreHttp } from './plugin.js'
import { HttpProblem } from './problem.js'
import { eventcoreServerOptions } from './server-options.js'

async function appLoggingAt(level: string, lines: Array<Record<string, unknown>>) {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  const app = Fastify({ logger: { level, stream, ...eventcoreLoggerOptions() }, ...eventcoreServerOptions() })
  await app.register(eventcoreHttp)
  app.get('/users/:id', async () => ({ ok: true }))
  app.post('/users', async () => {
    throw new HttpProblem(409, 'email-taken', 'Conflict', 'ada@example.com is taken')
  })
  return app
}

describe('the request log', () => {
  it('writes one line per request with method, route pattern, status, duration and correlation id', async () => {
    const lines: Array<Record<string, unknown>> = []
    const app = await appLoggingAt('info', lines)
    await app.inject({ url: '/users/7?email=ada@example.com', headers: { 'x-correlation-id': 'c-1' } })
    await app.inject({ method: 'POST', url: '/users', payload: {}, headers: { 'x-correlation-id': 'c-2' } })
    await app.inject({ url: '/health' })
    await app.inject({ url: '/ready' })
    await app.close()
    const ofRequests = lines.filter((line) => typeof line.correlationId === 'string')
    expect(ofRequests).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'request completed',
        method: 'GET',
        route: '/users/:id',
        status: 200,
        correlationId: 'c-1',
        durationMs: expect.any(Number),
      }),
      expect.objectContaining({
        level: 30,
        msg: 'request refused',
        method: 'POST',
        route: '/users',
        status: 409,
        problem: 'urn:eventcore:problem:email-taken',
        correlationId: 'c-2',
      }),
    ])
    expect(JSON.stringify(lines)).not.toContain('ada@example.com')
  })

  it('logs probes at debug only, and the arrival of a request too', async () => {
    const lines: Array<Record<string, unknown>> = []
    const app = await appLoggingAt('debug', lines)
    await app.inject({ url: '/health', headers: { 'x-correlation-id': 'probe-1' } })
    await app.close()
    expect(lines.filter((line) => line.correlationId === 'probe-1')).toEqual([
      expect.objectContaining({ level: 20, msg: 'request received', method: 'GET', route: '/health' }),
      expect.objectContaining({ level: 20, msg: 'request completed', route: '/health', status: 200 }),
    ])
  })
})
