import { Writable } from 'node:stream'
import { stripVTControlCharacters } from 'node:util'
import { eventcoreHttp, eventcoreLoggerOptions, eventcoreServerOptions } from '@eventcore/http'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { consoleLog } from './console-log.js'

describe('the development console', () => {
  it('is JSON (no stream) in production or when stdout is not a terminal', () => {
    expect(consoleLog({ env: 'production' }, true)).toBeUndefined()
    expect(consoleLog({ env: 'development' }, false)).toBeUndefined()
  })

  it('prints a request as one short line, redacted at the source', async () => {
    let text = ''
    const destination = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk)
        done()
      },
    })
    const stream = consoleLog({ env: 'development' }, true, destination)
    const app = Fastify({
      logger: { level: 'info', ...eventcoreLoggerOptions({ redactKeys: ['email'] }), ...(stream ? { stream } : {}) },
      ...eventcoreServerOptions(),
    })
    await app.register(eventcoreHttp)
    app.post<{ Body: { email: string } }>('/users', async (request, reply) => {
      request.log.info({ email: request.body.email }, 'registering')
      return reply.code(201).send({})
    })
    await app.inject({
      method: 'POST',
      url: '/users?email=query@example.com',
      payload: { email: 'ada@example.com' },
      headers: { 'x-correlation-id': 'c-1' },
    })
    await app.inject({ url: '/health' })
    await app.close()
    const lines = stripVTControlCharacters(text).trimEnd().split('\n')
    expect(lines).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d INFO: registering corr=c-1 \{"email":"\[redacted\]"\}$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d INFO: POST \/users 201 \d+ms corr=c-1$/),
    ])
  })
})
