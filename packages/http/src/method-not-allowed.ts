import type { FastifyInstance, HTTPMethods } from 'fastify'
import { HttpProblem } from './problem.js'

const METHODS: readonly HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

/**
 * Answers the methods a path does not serve with 405 problem+json and an `Allow` header, instead
 * of Fastify's 404 (the path exists; the method is wrong). Register it beside the routes, in the
 * same plugin, with the methods each path serves (`HEAD` comes with `GET`; `OPTIONS` stays with
 * CORS).
 *
 * @example
 * answerMethodNotAllowed(app, { '/users': ['GET', 'POST'], '/users/:id': ['GET', 'PATCH'] })
 */
export function answerMethodNotAllowed(
  app: FastifyInstance,
  paths: Readonly<Record<string, readonly HTTPMethods[]>>,
): void {
  for (const [url, allowed] of Object.entries(paths)) {
    const others = METHODS.filter((method) => !allowed.includes(method))
    if (others.length === 0) continue
    const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', ')
    app.route({
      method: others,
      url,
      // Public: the answer is about the path, not the caller, and reveals nothing.
      config: { eventcore: { public: true } },
      handler: async (request, reply) => {
        reply.header('allow', allow)
        throw new HttpProblem(
          405,
          'method-not-allowed',
          'Method Not Allowed',
          `${request.method} is not allowed on ${request.routeOptions.url ?? url}; use ${allow}`,
        )
      },
    })
  }
}
