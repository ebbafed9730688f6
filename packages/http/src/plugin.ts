import type { ExecutionContext } from '@eventcore/core'
import { uuidv7 } from '@eventcore/core'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { CORRELATION_HEADER, correlationIdOf, MAX_CORRELATION_ID } from './correlation.js'
import { HttpProblem, problemFor } from './problem.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's correlation id: the caller's `X-Correlation-Id`, or a new one. */
    correlationId: string
  }
}

/** Options of {@link eventcoreHttp}; the security, health and metrics options land with them. */
export type EventcoreHttpOptions = Record<never, never>

const plugin: FastifyPluginAsync<EventcoreHttpOptions> = async (app) => {
  app.decorateRequest('correlationId', '')

  app.addHook('onRequest', async (request, reply) => {
    const id = correlationIdOf(request.headers[CORRELATION_HEADER])
    request.correlationId = id ?? uuidv7()
    reply.header(CORRELATION_HEADER, request.correlationId)
    if (id === undefined) {
      throw new HttpProblem(
        400,
        'invalid-correlation-id',
        'Bad Request',
        `${CORRELATION_HEADER} must be a single value of at most ${MAX_CORRELATION_ID} characters`,
      )
    }
  })

  app.setErrorHandler(async (error, request, reply) => {
    const problem = problemFor(error)
    if (problem.status >= 500) request.log.error({ err: error, correlationId: request.correlationId }, 'request failed')
    else request.log.info({ correlationId: request.correlationId, problem: problem.type }, problem.detail)
    return reply
      .code(problem.status)
      .type('application/problem+json')
      .send({ ...problem, instance: request.url, correlationId: request.correlationId })
  })

  app.setNotFoundHandler(async (request, reply) => {
    const problem = problemFor(
      new HttpProblem(404, 'not-found', 'Not Found', `no route for ${request.method} ${request.url}`),
    )
    return reply
      .code(404)
      .type('application/problem+json')
      .send({ ...problem, instance: request.url, correlationId: request.correlationId })
  })
}

/**
 * The EventCore Fastify plugin: every error becomes `application/problem+json` (EventCore errors by
 * kind, Fastify's own 4xx by status, anything else a 500 that reveals nothing), and every request
 * gets a correlation id (`X-Correlation-Id` in and out). Registered with `fastify-plugin`, so it
 * applies to the whole app.
 *
 * @example
 * const app = Fastify()
 * await app.register(eventcoreHttp)
 * app.post('/accounts', async (request) => {
 *   const result = await executor.execute(open, request.body, { context: executionContext(request) })
 *   if (!result.ok) throw result.error // → problem+json, status by kind
 *   return result.versions
 * })
 */
export const eventcoreHttp = fp(plugin, { name: '@eventcore/http', fastify: '5.x' })

/**
 * The execution context of a request, for `executor.execute(…, { context })`: its correlation id,
 * and the request id as the causation id.
 */
export function executionContext(request: FastifyRequest): ExecutionContext {
  return { correlationId: request.correlationId, causationId: request.id }
}
