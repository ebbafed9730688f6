import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestService, type TestService } from './harness.js'

const REQUEST_TIMEOUT_MS = 1500
/** How late past the timeout a slow client may still be connected. */
const GRACE_MS = 2000

/** What came back on a raw connection, and when it was closed. */
interface RawAnswer {
  readonly status: number
  readonly headers: ReadonlyMap<string, string>
  readonly body: string
  readonly raw: string
  /** Milliseconds from connecting to the server closing the connection. */
  readonly closedAfterMs: number
}

/**
 * Sends `chunks` on a raw TCP connection, each after waiting its `delayMs`, and reads until the
 * server closes the connection (or `giveUpMs` passes, which fails). Writing stops once the server
 * has answered.
 */
function rawExchange(url: string, chunks: ReadonlyArray<{ delayMs?: number; data: string }>, giveUpMs = 8000) {
  const { hostname, port } = new URL(url)
  return new Promise<RawAnswer>((resolve, reject) => {
    const started = Date.now()
    const socket = connect({ host: hostname, port: Number(port) })
    const received: Buffer[] = []
    let closed = false
    const giveUp = setTimeout(() => {
      socket.destroy()
      reject(new Error(`still open after ${giveUpMs} ms; received: ${Buffer.concat(received).toString()}`))
    }, giveUpMs)
    socket.on('data', (data) => received.push(data))
    socket.on('error', () => {}) // a reset after the answer is how some refusals end
    socket.on('close', () => {
      closed = true
      clearTimeout(giveUp)
      const raw = Buffer.concat(received).toString('latin1')
      const [head = '', body = ''] = raw.split('\r\n\r\n', 2)
      const [statusLine = '', ...lines] = head.split('\r\n')
      const headers = new Map(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      )
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body, raw, closedAfterMs: Date.now() - started })
    })
    socket.on('connect', async () => {
      for (const { delayMs = 0, data } of chunks) {
        if (delayMs > 0) await new Promise((resume) => setTimeout(resume, delayMs))
        if (closed || received.length > 0) return
        socket.write(data, 'latin1')
      }
    })
  })
}

function expectRawProblem(answer: RawAnswer, status: number, slug: string) {
  expect(answer.status, answer.raw.slice(0, 500)).toBe(status)
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const problem = JSON.parse(answer.body)
  expect(problem).toMatchObject({ type: `urn:eventcore:problem:${slug}`, status })
  expect(problem.detail).toEqual(expect.any(String))
  expect(problem.correlationId).toBe(answer.headers.get('x-correlation-id'))
  return problem
}

describe('hostile connections (raw sockets, EVENTCORE_REQUEST_TIMEOUT_MS=1500)', () => {
  let service: TestService
  let authorization: string
  beforeAll(async () => {
    service = await startTestService('pglite', {
      EVENTCORE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      EVENTCORE_COMMAND_TIMEOUT_MS: '1000',
    })
    authorization = `Bearer ${await service.token(['admin'], 'slow-client')}`
  })
  afterAll(() => service?.close())

  const postHead = (length: number) =>
    `POST /api/v1/users HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${authorization}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`

  describe('cuts slow clients off with 408 problem+json within the request timeout', () => {
    it.each([
      ['a body that stalls after 8 of 100 bytes', () => [{ data: postHead(100) }, { data: '{"email"' }]],
      [
        'a body dripped a byte every 200 ms',
        () => [{ data: postHead(100) }, ...Array.from({ length: 40 }, () => ({ delayMs: 200, data: ' ' }))],
      ],
      [
        'headers dripped a line every 200 ms',
        () => [
          { data: 'GET /api/v1/users HTTP/1.1\r\n' },
          ...Array.from({ length: 40 }, (_, i) => ({ delayMs: 200, data: `X-Slow-${i}: y\r\n` })),
        ],
      ],
    ])('%s', async (_what, chunks) => {
      const answer = await rawExchange(service.url, chunks())
      expectRawProblem(answer, 408, 'request-timeout')
      expect(answer.headers.get('connection')).toBe('close')
      expect(answer.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50)
      expect(answer.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + GRACE_MS)
    })
  })

  describe('answers errors raised before any route with problem+json, never echoing the URL', () => {
    const longPath = `/api/v1/users/${'x'.repeat(20_000)}`
    it.each([
      ['a malformed request line', 'GARBAGE\r\n\r\n', 400, 'bad-request'],
      ['an unknown HTTP version', 'GET /health HTTP/7.1\r\nHost: x\r\n\r\n', 400, 'bad-request'],
      ['a header name with a space', 'GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', 400, 'bad-request'],
      ['a NUL in a header value', 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', 400, 'bad-request'],
      ['a bare LF in a header value', 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\nX-B: b\r\n\r\n', 400, 'bad-request'],
      [
        'both Content-Length and chunked',
        'POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        400,
        'bad-request',
      ],
      [
        'headers of 20 kB',
        `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        431,
        'header-too-large',
      ],
      [
        'a 100 kB bearer token',
        `GET /api/v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(100_000)}\r\n\r\n`,
        431,
        'header-too-large',
      ],
      ['a 20 kB URL', `GET ${longPath} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'header-too-large'],
      [
        'a bad percent-escape',
        'GET /api/v1/users/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        400,
        'bad-url',
      ],
      [
        'a path parameter of 200 characters',
        `GET /api/v1/users/${'y'.repeat(200)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        414,
        'uri-too-long',
      ],
    ])('%s', async (_what, request, status, slug) => {
      const answer = await rawExchange(service.url, [{ data: request }])
      expectRawProblem(answer, status, slug)
      expect(answer.raw).not.toMatch(/xxxxxxxxxx|yyyyyyyyyy|aaaaaaaaaa|%zz/)
    })

    it('keeps serving afterwards', async () => {
      expect((await service.call('/health')).status).toBe(200)
    })
  })
})
