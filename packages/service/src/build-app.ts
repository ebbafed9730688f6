import type { Server } from 'node:http'
import type { Executor } from '@eventcore/core'
import type { IdempotencyStore } from '@eventcore/core/idempotency'
import {
  eventcoreHttp,
  eventcoreLoggerOptions,
  eventcoreServerOptions,
  PROBLEM_SCHEMA,
  type ReadinessCheck,
} from '@eventcore/http'
import type { EventcoreMetrics } from '@eventcore/metrics'
import type { SqlEventStore } from '@eventcore/postgres'
import swagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyHttpOptions, type FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import { registerApiDocs } from './api-docs.js'
import type { Config } from './config/index.js'
import type { ServiceDefinition } from './service-definition.js'

/** What {@link buildApp} wires together; {@link startService} opens them, tests may pass their own. */
export interface AppDependencies {
  readonly store: SqlEventStore
  readonly executor: Executor
  /** Shared rate-limit counters across replicas. @default in-memory counters */
  readonly redis?: Redis
  /** Where `Idempotency-Key` responses are kept. @default none (the header is ignored) */
  readonly idempotency?: IdempotencyStore
  /** What `/ready` checks. @default [] */
  readonly readiness?: readonly ReadinessCheck[]
  /** New ids for the routes, e.g. `uuidv7` from @eventcore/core. */
  readonly newId: () => string
  /** Request metrics and the `/metrics` scrape. @default none */
  readonly metrics?: EventcoreMetrics
  /** Where log lines (one JSON object each) are written, e.g. for a test to read them. @default stdout */
  readonly logStream?: { write(line: string): void }
}

/**
 * Builds a service without listening: the EventCore plugin (errors, correlation ids, auth, limits,
 * headers, health), the OpenAPI document at `/openapi.json`, the API explorer at `/docs` (when
 * `config.apiDocs`) and the service's routes under its prefix.
 *
 * @example
 * const app = await buildApp(config, usersService, { store, executor, newId: uuidv7 })
 * await app.listen({ port: config.port, host: config.host })
 */
export async function buildApp(
  config: Config,
  service: ServiceDefinition,
  deps: AppDependencies,
): Promise<FastifyInstance> {
  const options: FastifyHttpOptions<Server> = {
    logger: {
      level: config.logLevel,
      // Credentials, bodies and the service's personal data never reach a log line.
      ...eventcoreLoggerOptions({ redactKeys: service.redactLogKeys ?? [], redactPaths: service.redactLogPaths ?? [] }),
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    bodyLimit: config.bodyLimitBytes,
    // The request timeout enforced within about a second (Node checks every 30 s by default), and
    // errors answered before any route (bad HTTP, 408, 431, bad percent-escapes, 414) as problem+json.
    ...eventcoreServerOptions({ requestTimeoutMs: config.requestTimeoutMs }),
    // A request that still arrives on an open connection while closing is served (and told to
    // close) rather than answered with Fastify's own 503, which is not problem+json.
    return503OnClosing: false,
    // A hop count becomes Fastify's own rule for it (trust the n nearest proxies).
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(config.trustProxy)
        : config.trustProxy,
  }
  const app = Fastify(options).withTypeProvider<TypeBoxTypeProvider>()
  if (service.validatorCompiler) app.setValidatorCompiler(service.validatorCompiler())
  // A JSON API: text bodies get 415 like any other type, not a parse into a string.
  app.removeContentTypeParser('text/plain')

  await app.register(eventcoreHttp, {
    auth: { ...config.auth.options, roles: service.roles },
    security: config.security,
    cors: config.cors,
    rateLimit: { ...config.rateLimit, ...(deps.redis ? { redis: deps.redis } : {}) },
    health: { readiness: deps.readiness ?? [], readyTimeoutMs: config.readyTimeoutMs },
    // A command never outlives its request: it stops when the request's time is up or its client left.
    requestBudgetMs: config.requestTimeoutMs,
    ...(deps.idempotency ? { idempotency: { store: deps.idempotency } } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    // With a metrics port of its own, the API port measures requests but serves no scrape.
    ...(config.metricsPort === undefined ? {} : { metricsPath: false as const }),
  })

  // The problem+json body the routes' error responses refer to: `components.schemas.Problem`.
  app.addSchema(PROBLEM_SCHEMA)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: service.title ?? `EventCore ${service.name}`,
        version: service.version ?? '1.0.0',
        description:
          'Errors answer `application/problem+json` (RFC 9457) with a `correlationId`; every answer carries `X-Correlation-Id` and the `RateLimit-*` headers.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'A JWT whose `roles` claim grants the permissions a route needs',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    // Shared schemas keep their `$id` as their name (`#/components/schemas/Problem`), not `def-0`.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    // Routes without schemas (probes, 405 answers) are not part of the API contract.
    transform: ({ schema, url }) => ({ schema: schema ?? { hide: true }, url }),
  })
  app.get('/openapi.json', { config: { eventcore: { public: true } } }, async () => app.swagger())
  if (config.apiDocs) await registerApiDocs(app)

  await app.register(service.routes, {
    prefix: service.prefix ?? '',
    executor: deps.executor,
    store: deps.store,
    newId: deps.newId,
  })
  return app
}
