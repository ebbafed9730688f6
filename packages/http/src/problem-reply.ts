import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Problem } from './problem.js'

/** Longest part of a request URL a problem repeats (`instance`, a 404's detail); the rest is cut. */
const MAX_ECHOED_URL = 256

/** `url` as a problem may repeat it: cut after {@link MAX_ECHOED_URL} characters. */
export const echoed = (url: string): string => (url.length > MAX_ECHOED_URL ? `${url.slice(0, MAX_ECHOED_URL)}…` : url)

/** Where a problem answer belongs: the request URL it answers, when there is one, and its correlation id. */
export interface ProblemContext {
  readonly instance?: string
  readonly correlationId: string
}

/** The body of every problem+json answer: the problem's members, then `instance` and `correlationId`. */
export function problemDocument(problem: Problem, { instance, correlationId }: ProblemContext): Problem {
  return { ...problem, ...(instance === undefined ? {} : { instance: echoed(instance) }), correlationId }
}

/**
 * Answers the request with `problem`: its status, `application/problem+json`, and the body of
 * {@link problemDocument} naming the request's URL and correlation id. The one way a route, hook or
 * handler of the plugin sends a problem it does not throw.
 */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send(problemDocument(problem, { instance: request.url, correlationId: request.correlationId }))
}
