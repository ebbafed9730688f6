import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { StoreUnavailableError } from '@eventcore/core'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventcoreHttp, executionOptions } from './plugin.js'

let app: FastifyInstance
let base: string
/** What the last /wait handler saw: why its signal aborted, or 'answered'. */
let outcomes: string[] = []
let seen: () => void = () => {}

beforeAll(async () => {
  app = Fastify({ logger: false })
  await app.register(eventcoreHttp, { requestBudgetMs: 200 })
  // Waits for its signal, as a command on a dead database would, up to `ms`.
  app.get<{ Querystring: { ms?: string } }>('/wait', async (request, reply) => {
    const { signal } = executionOptions(request, reply)
    const ms = Number(request.query.ms ?? 5000)
    const outcome = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('answered'), ms)
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        resolve(signal.reason instanceof Error ? signal.reason.name : String(signal.reason))
      })
    })
    outcomes.push(outcome)
    seen()
    return { outcome }
  })
  app.get<{ Querystring: { code: string } }>('/refuse', async (request) => {
    const overloaded = request.query.code === 'overloaded'
    throw new StoreUnavailableError(overloaded ? 'too many commands at once' : 'circuit open', {
      transient: true,
      code: overloaded ? 'ERR_EVENTCORE_OVERLOADED' : 'ERR_EVENTCORE_CIRCUIT_OPEN',
      retryAfterMs: overloaded ? 1000 : 2500,
    })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
})
afterAll(() => app.close())

describe('the signal a request hands its command', () => {
  it('aborts when the request budget is spent, counted from its arrival', async () => {
    outcomes = []
    const response = await fetch(`${base}/wait?ms=5000`)
    expect(await response.json()).toEqual({ outcome: 'TimeoutError' })
  })

  it('stays quiet for a request answered within its budget', async () => {
    outcomes = []
    const response = await fetch(`${base}/wait?ms=10`)
    expect(await response.json()).toEqual({ outcome: 'answered' })
  })

  it('aborts when the client goes away before the answer', async () => {
    outcomes = []
    const handled = new Promise<void>((resolve) => {
      seen = resolve
    })
    const port = Number(new URL(base).port)
    const request = httpRequest({ host: '127.0.0.1', port, path: '/wait?ms=150' })
    request.on('error', () => {}) // we hang up ourselves
    request.end()
    setTimeout(() => request.destroy(), 30)
    await handled
    expect(outcomes).toEqual(['Error'])
  })
})

describe('refusals that say when to come back', () => {
  it('answers 503 problem+json with Retry-After from the error', async () => {
    const open = await fetch(`${base}/refuse?code=circuit`)
    expect(open.status).toBe(503)
    expect(open.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(open.headers.get('retry-after')).toBe('3')
    expect(await open.json()).toMatchObject({ code: 'ERR_EVENTCORE_CIRCUIT_OPEN', retryAfterSeconds: 3 })
    const busy = await fetch(`${base}/refuse?code=overloaded`)
    expect(busy.headers.get('retry-after')).toBe('1')
  })
})
