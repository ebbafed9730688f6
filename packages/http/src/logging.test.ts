import { Writable } from 'node:stream'
import Fastify, { LogController } from 'fastify'
import { describe, expect, it } from 'vitest'
import { eventcoreLoggerOptions } from './logging.js'
import { eventcoreHttp } from './plugin.js'
import { HttpProblem } from './problem.js'

/** A Fastify app with the plugin, logging at trace into `lines`; `withOptions` adds eventcoreLoggerOptions. */
async function appLogging(lines: string[], withOptions: boolean) {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      done()
    },
  })
  const options = withOptions ? eventcoreLoggerOptions({ redactKeys: ['email'] }) : {}
  const app = Fastify({
    logger: { level: 'trace', stream, ...options },
    logController: new LogController({ disableRequestLogging: true }),
  })
  await app.register(eventcoreHttp)
  app.post<{ Body: { email: string } }>('/users/:id', async (request) => {
    throw new HttpProblem(409, 'email-taken', 'Conflict', `${request.body.email} is taken`)
  })
  app.post<{ Body: { email: string } }>('/fail', async (request) => {
    request.log.error(new Error(`lost ${request.body.email}`))
    throw new Error(`cannot store ${request.body.email}`)
  })
  return app
}

const occurrences = (text: string, part: string) => text.split(part).length - 1

describe('log lines of a refused or failed request', () => {
  it('carry the correlation id once (the child logger has it) and never the problem’s detail', async () => {
    const lines: string[] = []
    const app = await appLogging(lines, false)
    const response = await app.inject({
      method: 'POST',
      url: '/users/7',
      payload: { email: 'ada@example.com' },
      headers: { 'x-correlation-id': 'refused-1' },
    })
    await app.close()
    expect(response.statusCode).toBe(409)
    const refused = lines.find((line) => line.includes('"msg":"request refused"'))
    expect(refused).toBeDefined()
    expect(occurrences(refused ?? '', '"correlationId"')).toBe(1)
    expect(JSON.parse(refused ?? '{}')).toMatchObject({
      correlationId: 'refused-1',
      problem: 'urn:eventcore:problem:email-taken',
      status: 409,
    })
    for (const line of lines) expect(occurrences(line, '"correlationId"')).toBeLessThanOrEqual(1)
    expect(lines.join('\n')).not.toContain('ada@example.com')
  })

  it('with eventcoreLoggerOptions, show a request by its route and an error by type and frames only', async () => {
    const lines: string[] = []
    const app = await appLogging(lines, true)
    const response = await app.inject({
      method: 'POST',
      url: '/fail?email=query@example.com',
      payload: { email: 'body@example.com' },
      headers: { authorization: 'Bearer secret.token.value', 'x-correlation-id': 'failed-1' },
    })
    await app.close()
    expect(response.statusCode).toBe(500)
    const text = lines.join('\n')
    for (const sent of ['query@example.com', 'body@example.com', 'secret.token.value']) expect(text).not.toContain(sent)
    const entries: Array<Record<string, unknown>> = lines.map((line) => JSON.parse(line))
    // pino would have used the error's message for the line's.
    expect(entries.find((entry) => entry.level === 50 && entry.msg !== 'request failed')).toMatchObject({
      msg: 'Error',
      err: { type: 'Error', stack: expect.stringMatching(/^\s+at /) },
    })
    // The request's one line: its route's pattern, never the URL with its query.
    expect(entries.find((entry) => entry.msg === 'request failed')).toMatchObject({
      correlationId: 'failed-1',
      method: 'POST',
      route: '/fail',
      status: 500,
      err: { type: 'Error' },
    })
  })
})
