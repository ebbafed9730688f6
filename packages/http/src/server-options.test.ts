import { connect } from 'node:net'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { eventcoreHttp } from './plugin.js'
import { eventcoreServerOptions } from './server-options.js'

describe('eventcoreServerOptions', () => {
  it('checks timeouts at most every second, and more often for short timeouts', () => {
    expect(eventcoreServerOptions().http).toEqual({
      requestTimeout: 10_000,
      headersTimeout: 10_000,
      connectionsCheckingInterval: 1000,
    })
    expect(eventcoreServerOptions({ requestTimeoutMs: 400 }).http).toMatchObject({ connectionsCheckingInterval: 100 })
    expect(eventcoreServerOptions({ requestTimeoutMs: 100 }).http).toMatchObject({ connectionsCheckingInterval: 50 })
  })

  it.each([
    [{ requestTimeoutMs: 0 }, /requestTimeoutMs must be a positive integer, got 0/],
    [{ maxParamLength: 1.5 }, /maxParamLength must be a positive integer, got 1.5/],
  ])('refuses %o', (options, message) => {
    expect(() => eventcoreServerOptions(options)).toThrow(message)
  })

  it('answers a request that stalls its body with 408 problem+json within a second of the timeout', async () => {
    const app = Fastify(eventcoreServerOptions({ requestTimeoutMs: 300 }))
    await app.register(eventcoreHttp)
    app.post('/things', async () => ({ ok: true }))
    const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }))
    try {
      const started = Date.now()
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: url.hostname, port: Number(url.port) })
        let raw = ''
        const giveUp = setTimeout(() => reject(new Error(`still open: ${raw}`)), 5000)
        socket.on('data', (chunk) => {
          raw += chunk
        })
        socket.on('error', () => {})
        socket.on('close', () => {
          clearTimeout(giveUp)
          resolve(raw)
        })
        socket.write(
          'POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"a"',
        )
      })
      expect(Date.now() - started).toBeLessThan(300 + 1000)
      expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
      expect(answer).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/)
      expect(answer).toMatch(/\r\nconnection: close\r\n/)
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
        type: 'urn:eventcore:problem:request-timeout',
        status: 408,
      })
    } finally {
      await app.close()
    }
  })
})
