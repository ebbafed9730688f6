import { Writable } from 'node:stream'
import Fastify, { LogController } from 'fastify'
import { describe, expect, it } from 'vitest'
import { eventcoreHttp } from './plugin.js'

describe('log lines of a request', () => {
  it('carry its correlation id: the route’s own lines and the plugin’s "request completed"', async () => {
    const lines: Array<Record<string, unknown>> = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
        done()
      },
    })
    const app = Fastify({
      logger: { level: 'info', stream },
      logController: new LogController({ disableRequestLogging: true }),
    })
    await app.register(eventcoreHttp)
    app.get('/work', async (request) => {
      request.log.info('working')
      return { ok: true }
    })
    const response = await app.inject({ url: '/work', headers: { 'x-correlation-id': 'order-42' } })
    expect(response.statusCode).toBe(200)
    await app.close()
    const ofRequest = lines.filter((line) => line.msg === 'working' || line.msg === 'request completed')
    expect(ofRequest.map((line) => line.msg)).toEqual(['working', 'request completed'])
    for (const line of ofRequest) expect(line.correlationId).toBe('order-42')
  })
})
