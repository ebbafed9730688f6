import { uuidv7 } from '@eventcore/core'
import type { IdempotencyAttempt, IdempotencyStore, StoredResponse } from '@eventcore/core/idempotency'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { requestFingerprint } from './idempotency-fingerprint.js'
import { HttpProblem } from './problem.js'

declare module './auth.js' {
  interface RouteFeatures {
    /**
     * Honour `Idempotency-Key` on this route: a retry with the same key gets the first response
     * back instead of running the handler again. Needs the plugin's `idempotency` option.
     */
    readonly idempotent?: boolean
  }
}

/** `Idempotency-Key` handling for routes with `config: { eventcore: { idempotent: true } }`. */
export interface IdempotencyOptions {
  /** Where keys and stored responses live; shared by every replica of the service. */
  readonly store: IdempotencyStore
  /** How long a key and its response are kept. @default 86400 */
  readonly ttlSeconds?: number
  /** A request still in progress after this long is taken to be abandoned and its key may be reused. @default 60000 */
  readonly staleAfterMs?: number
  /** @default () => new Date() */
  readonly clock?: () => Date
}

/** The request header that carries the key (lower case, as Fastify names headers). */
export const IDEMPOTENCY_HEADER = 'idempotency-key'
const REPLAYED_HEADER = 'idempotent-replayed'
const KEY = /^[\x21-\x7e]{1,255}$/
const STORED_HEADERS = ['content-type', 'location', 'etag'] as const
// Safe methods repeat harmlessly and are never keyed, even on a route that opts in.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

function checkOptions(ttlSeconds: number, staleAfterMs: number): void {
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1)
    throw new RangeError(`idempotency.ttlSeconds must be a positive integer, got ${ttlSeconds}`)
  if (!Number.isSafeInteger(staleAfterMs) || staleAfterMs < 1)
    throw new RangeError(`idempotency.staleAfterMs must be a positive integer of milliseconds, got ${staleAfterMs}`)
}

function storedHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const name of STORED_HEADERS) {
    const value = reply.getHeader(name)
    if (typeof value === 'string' || typeof value === 'number') headers[name] = String(value)
  }
  return headers
}

function replay(reply: FastifyReply, response: StoredResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).header(REPLAYED_HEADER, 'true').send(response.body)
}

/**
 * Answers retried requests from the store: the lookup runs in `preHandler` (after authentication
 * and body parsing), the response is stored in `onSend`, before the client can see it, so that a
 * quick retry finds it. Responses below 500 are stored; a 5xx releases the key for a retry.
 */
export function registerIdempotency(app: FastifyInstance, options: IdempotencyOptions): void {
  const { store, ttlSeconds = 86_400, staleAfterMs = 60_000, clock = () => new Date() } = options
  checkOptions(ttlSeconds, staleAfterMs)
  const running = new WeakMap<FastifyRequest, IdempotencyAttempt>()

  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.config.eventcore?.idempotent !== true || SAFE_METHODS.has(request.method)) return
    const key = request.headers[IDEMPOTENCY_HEADER]
    if (key === undefined) return
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new HttpProblem(
        400,
        'invalid-idempotency-key',
        'Bad Request',
        'Idempotency-Key must be a single value of 1 to 255 visible ASCII characters',
      )
    }
    const now = clock()
    const attempt: IdempotencyAttempt = { scope: request.principal?.id ?? 'anonymous', key, attempt: uuidv7() }
    const outcome = await store.begin({
      ...attempt,
      fingerprint: requestFingerprint(request.method, request.url, request.body),
      now,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      staleBefore: new Date(now.getTime() - staleAfterMs),
    })
    switch (outcome.kind) {
      case 'started':
        running.set(request, attempt)
        return
      case 'replay':
        return replay(reply, outcome.response)
      case 'in-progress':
        reply.header('retry-after', '1')
        throw new HttpProblem(
          409,
          'idempotency-in-progress',
          'Conflict',
          'a request with this Idempotency-Key is still in progress; retry shortly',
        )
      case 'mismatch':
        throw new HttpProblem(
          422,
          'idempotency-key-reused',
          'Unprocessable Content',
          'this Idempotency-Key was used for a different request (method, URL or body)',
        )
    }
  })

  // Handler errors reach here too, once the error handler has turned them into problem+json.
  app.addHook('onSend', async (request, reply, payload) => {
    const attempt = running.get(request)
    if (attempt === undefined) return payload
    running.delete(request)
    try {
      // Only a text body can be replayed byte for byte; a stream or buffer is not kept.
      if (reply.statusCode < 500 && (typeof payload === 'string' || payload == null)) {
        await store.complete(attempt, { status: reply.statusCode, headers: storedHeaders(reply), body: payload ?? '' })
      } else {
        await store.release(attempt)
      }
    } catch (error) {
      // The work is done and the client should hear about it; the entry stays in progress until
      // it is stale, so a retry meanwhile gets 409 rather than running twice.
      request.log.error({ err: error }, 'storing the idempotent response failed')
    }
    return payload
  })
}
