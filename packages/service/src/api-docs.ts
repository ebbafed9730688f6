import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

/** Where the API explorer is served. */
export const API_DOCS_PATH = '/docs'

/**
 * The page's own CSP, in place of the API's `default-src 'none'` (which would block every script
 * and style of the page): its scripts, styles, images and the OpenAPI document come from this
 * service only, nothing is framed and nothing is posted elsewhere. Swagger UI sets inline styles,
 * hence `'unsafe-inline'` for styles (not scripts). The validator badge, which would call
 * validator.swagger.io, is off.
 */
const DOCS_CSP = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
}

/**
 * Serves Swagger UI at `/docs` over the service's OpenAPI document: its HTML, scripts and styles
 * from the `swagger-ui-dist` files installed with it (no CDN), public like `/openapi.json`.
 * Register after `@fastify/swagger`.
 *
 * @example
 * if (config.apiDocs) await registerApiDocs(app)
 */
export async function registerApiDocs(app: FastifyInstance): Promise<void> {
  // In a context of its own, so that the hook applies to the explorer's routes and no others.
  await app.register(async (docs) => {
    // Every route of the explorer (page, assets, the document it reads) needs no token.
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, eventcore: { public: true } }
    })
    await docs.register(swaggerUi, {
      routePrefix: API_DOCS_PATH,
      staticCSP: DOCS_CSP,
      uiConfig: { deepLinking: true },
      theme: { title: 'API explorer' },
    })
  })
}
