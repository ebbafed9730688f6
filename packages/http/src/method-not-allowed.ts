import type { FastifyInstance, HTTPMethods } from 'fastify'
import { HttpProblem } from './problem.js'

/** The methods a path is answered 405 for when it does not serve them (`HEAD` follows `GET`; `OPTIONS` stays with CORS). */
const METHODS: readonly HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

/**
 * Answers the methods a path does not serve with 405 problem+json and an `Allow` header, instead
 * of Fastify's 404 (the path exists; the method is wrong). Call it first in the plugin that
 * registers the routes: each path's methods are taken from the routes that plugin's own body
 * registers after the call (its prefix included; not those of plugins it registers in turn), and
 * the 405 answers are added, as public routes, once the body has run and they are all known.
 *
 * @example
 * const usersRoutes: FastifyPluginAsync = async (app) => {
 *   answerMethodNotAllowed(app)
 *   app.get('/users', list)
 *   app.post('/users', register) // PUT, PATCH, DELETE /users → 405, Allow: GET, POST, HEAD
 * }
 */
export function answerMethodNotAllowed(app: FastifyInstance): void {
  // Path (within this plugin's prefix) → the methods its routes serve, in the order they came.
  const served = new Map<string, Set<string>>()
  const prefix = app.prefix
  // True while the 405 answers are added: they (and the HEAD Fastify adds to each) serve nothing.
  let answering = false
  app.addHook('onRoute', (route) => {
    if (answering || !route.url.startsWith(prefix)) return
    const path = route.url.slice(prefix.length)
    const methods = served.get(path) ?? new Set<string>()
    for (const method of typeof route.method === 'string' ? [route.method] : route.method) methods.add(method)
    served.set(path, methods)
  })
  // A child plugin loads after the body of the plugin that registers it: every route is known by then.
  app.register(async (scope) => {
    answering = true
    for (const [path, methods] of served) {
      const allowed = METHODS.filter((method) => methods.has(method))
      const others = METHODS.filter((method) => !methods.has(method))
      if (allowed.length === 0 || others.length === 0) continue
      const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', ')
      scope.route({
        method: others,
        url: path,
        // Public: the answer is about the path, not the caller, and reveals nothing.
        config: { eventcore: { public: true } },
        handler: async (request, reply) => {
          reply.header('allow', allow)
          throw new HttpProblem(
            405,
            'method-not-allowed',
            'Method Not Allowed',
            `${request.method} is not allowed on ${request.routeOptions.url ?? path}; use ${allow}`,
          )
        },
      })
    }
    answering = false
  })
}
