import { type Server, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { uuidv7 } from '@eventcore/core'
import {
  type FastifyError,
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify'
import { CORRELATION_HEADER } from './correlation.js'
import { HttpProblem, type Problem, problemFor } from './problem.js'
import { problemDocument } from './problem-reply.js'

/** Options of {@link eventcoreServerOptions}. */
export interface ServerHardeningOptions {
  /**
   * The longest a client may take to send a whole request, headers and body: a stalled or dripping
   * client is answered 408 and disconnected within about a second of it. @default 10000
   */
  readonly requestTimeoutMs?: number
  /** Longest path parameter (e.g. an id); a longer one is answered 414. @default 100 */
  readonly maxParamLength?: number
}

/** A problem answered before any route runs: no request URL, no internals, the status's own title. */
const early = (status: number, slug: string, detail: string): Problem =>
  problemFor(new HttpProblem(status, slug, STATUS_CODES[status] ?? 'Error', detail))

// Bytes rather than a reply: the raw socket answer has no reply, and both answers must be alike.
const earlyBody = (problem: Problem, correlationId: string): string =>
  JSON.stringify(problemDocument(problem, { correlationId }))

/** What Node's HTTP parser or timers refused, as a problem (never echoing what the client sent). */
function problemOfConnectionError(code: string | undefined): Problem {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return early(408, 'request-timeout', 'the request was not received in time')
    case 'HPE_HEADER_OVERFLOW':
      return early(431, 'header-too-large', 'the request line and headers are larger than the server accepts')
    default:
      return early(400, 'bad-request', 'the request is not well-formed HTTP/1.1')
  }
}

// Node's own clientError answer is a bare status line; Fastify's is JSON of its own shape.
function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const problem = problemOfConnectionError(error.code)
  const correlationId = uuidv7()
  this.log.debug({ err: error, correlationId, status: problem.status }, 'client error answered before routing')
  // As Node does: answer only when no response of the request is under way on this socket.
  const inFlight: { headersSent?: boolean } | undefined = Reflect.get(socket, '_httpMessage')
  if (socket.writable && !inFlight?.headersSent) {
    const body = earlyBody(problem, correlationId)
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        'content-type: application/problem+json\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        `${CORRELATION_HEADER}: ${correlationId}\r\n` +
        'x-content-type-options: nosniff\r\n' +
        'cache-control: no-store\r\n' +
        'connection: close\r\n\r\n' +
        body,
    )
  }
  socket.destroy(error)
}

function problemOfFrameworkError(error: FastifyError, maxParamLength: number): Problem {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return early(400, 'bad-url', 'the URL is not valid (a malformed percent-escape?)')
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return early(414, 'uri-too-long', `a path parameter is longer than ${maxParamLength} characters`)
    default:
      return early(500, 'internal', 'the server failed to route this request')
  }
}

/**
 * Fastify server options that keep a service's promises at the edges, where no route, hook or
 * error handler runs yet:
 * - `requestTimeout` and Node's `headersTimeout` from `requestTimeoutMs`, and Node's
 *   `connectionsCheckingInterval` (30 s by default, so timeouts were enforced up to 30 s late) at
 *   most 1 s, so a slow client is answered 408 within about a second of the timeout;
 * - `clientErrorHandler`: malformed requests (400), oversized headers or request lines (431) and
 *   timeouts (408) are answered `application/problem+json` with `Connection: close`;
 * - a `logController` with `disableRequestLogging`: Fastify's own two lines per request are off; `eventcoreHttp` writes
 *   one as each answer is finished;
 * - `frameworkErrors`: a bad percent-escape (400 `bad-url`) or an over-long path parameter
 *   (414 `uri-too-long`) is answered problem+json, without echoing the URL.
 *
 * Spread them into the options the Fastify instance is created with (they cannot be set later).
 * With `https`, pass `connectionsCheckingInterval` in the `https` options yourself: Node reads it
 * there instead.
 *
 * @example
 * const app = Fastify({ logger: true, ...eventcoreServerOptions({ requestTimeoutMs: 10_000 }) })
 * await app.register(eventcoreHttp)
 */
export function eventcoreServerOptions({
  requestTimeoutMs = 10_000,
  maxParamLength = 100,
}: ServerHardeningOptions = {}): FastifyHttpOptions<Server> {
  if (!Number.isSafeInteger(requestTimeoutMs) || requestTimeoutMs < 1)
    throw new RangeError(`requestTimeoutMs must be a positive integer, got ${requestTimeoutMs}`)
  if (!Number.isSafeInteger(maxParamLength) || maxParamLength < 1)
    throw new RangeError(`maxParamLength must be a positive integer, got ${maxParamLength}`)
  const connectionsCheckingInterval = Math.max(50, Math.min(1000, Math.floor(requestTimeoutMs / 4)))
  return {
    requestTimeout: requestTimeoutMs,
    // The plugin writes one line per request as it is answered (method, route, status, duration,
    // correlation id) instead of Fastify's two, whose first lacks the correlation id.
    logController: new LogController({ disableRequestLogging: true }),
    http: { requestTimeout: requestTimeoutMs, headersTimeout: requestTimeoutMs, connectionsCheckingInterval },
    routerOptions: { maxParamLength },
    clientErrorHandler,
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const problem = problemOfFrameworkError(error, maxParamLength)
      const correlationId = uuidv7()
      reply.log.info({ correlationId, status: problem.status, code: error.code }, problem.detail)
      reply
        .code(problem.status)
        .header('content-type', 'application/problem+json')
        .header(CORRELATION_HEADER, correlationId)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .send(earlyBody(problem, correlationId))
    },
  }
}
