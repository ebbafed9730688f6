import type { Executor, RunProjectionOptions } from '@eventcore/core'
import type { AuthOptions } from '@eventcore/http'
import type { EventcoreMetrics } from '@eventcore/metrics'
import type { SqlConnection, SqlEventStore } from '@eventcore/postgres'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifySchemaCompiler } from 'fastify'

/** What a service's routes are registered with: what {@link startService} opened for them. */
export interface ServiceRouteOptions {
  readonly executor: Executor
  readonly store: SqlEventStore
  /** New ids for the things the routes create, e.g. `uuidv7`. */
  readonly newId: () => string
}

/**
 * A projection the service runs: the projection and its runner's tuning. The store, the
 * checkpoints and the metrics observer are the service's.
 */
export type ServiceProjection = Omit<RunProjectionOptions<SqlConnection>, 'store' | 'projections' | 'observer'>

/** The token printed at start-up to try the API with, when no JWT key is configured (development only). */
export interface DevToken {
  /** The token's subject. */
  readonly sub: string
  /** The token's `roles` claim. */
  readonly roles: readonly string[]
  /**
   * What is printed after the note on the development secret: the token and how to use it.
   * `canSignMore` is false when the secret lives in memory only (`EVENTCORE_DATA_DIR=memory://`),
   * where no token command can sign another.
   */
  readonly message: (token: string, url: string, secret: { readonly canSignMore: boolean }) => string
}

/**
 * A service built on EventCore, described by data: its name, routes, roles and projections.
 * {@link startService} opens the store, runs the projections and listens; the configuration
 * (`EVENTCORE_*`) says where and how.
 *
 * @example
 * const ordersService: ServiceDefinition = {
 *   name: 'orders service',
 *   roles: { admin: ['orders:create', 'orders:read'] },
 *   routes: ordersRoutes,
 *   prefix: '/api/v1',
 *   prepare: ensureOrdersReadModel,
 *   projections: (store) => [{ projection: ordersProjection(store) }],
 * }
 */
export interface ServiceDefinition {
  /** What the service is called in its logs, its start-up banner and its token tool, e.g. `'users service'`. */
  readonly name: string
  /** The OpenAPI document's title. @default `EventCore ${name}` */
  readonly title?: string
  /** The API's version in the OpenAPI document. @default '1.0.0' */
  readonly version?: string
  /** Role → permissions: a token's `roles` claim maps through it, and every route names a permission. */
  readonly roles: AuthOptions['roles']
  /** The API: a Fastify plugin, registered under {@link prefix} with {@link ServiceRouteOptions}. */
  readonly routes: FastifyPluginAsyncTypebox<ServiceRouteOptions>
  /** Where {@link routes} are mounted, e.g. `'/api/v1'`. @default '' */
  readonly prefix?: string
  /** Prepares the store once it is open, before any projection runs: e.g. the read models' tables. @default none */
  readonly prepare?: (store: SqlEventStore) => Promise<void>
  /**
   * When the service does not migrate (`EVENTCORE_DATABASE_MIGRATE=false`), checks that what
   * {@link prepare} creates is there, throwing an error that names what is missing and the step that
   * creates it. The service then refuses to start, as it does on a schema EventCore's migrations
   * have not reached; without it a missing read-model table surfaces only when a projection first
   * writes, with every replica ready. @default none
   */
  readonly verify?: (store: SqlEventStore) => Promise<void>
  /** The projections to run, one runner each (one active across replicas). @default none */
  readonly projections?: (store: SqlEventStore) => readonly ServiceProjection[]
  /**
   * The metrics: EventCore's (commands and projections labelled up front) and the service's business
   * counters. The service adds the store's and the pool's sources. @default createMetrics()
   */
  readonly metrics?: () => EventcoreMetrics
  /** Validators for the routes' schemas, one per app. @default Fastify's */
  readonly validatorCompiler?: () => FastifySchemaCompiler<unknown>
  /**
   * Field names whose values never reach a log line, at any depth: the service's personal data,
   * e.g. `['email', 'first_name']` (case, `-` and `_` ignored, so `firstName` is covered too).
   * Credentials (`authorization`, cookies, `*token*`, `*secret*`, `*password*`, `*api-key*`…) and
   * `body`/`payload` fields are always redacted. @default []
   */
  readonly redactLogKeys?: readonly string[]
  /** pino redaction paths besides {@link redactLogKeys}, e.g. `'order.card.number'`. @default [] */
  readonly redactLogPaths?: readonly string[]
  /** A token `runService` prints when the JWT secret was generated for development. @default none */
  readonly devToken?: DevToken
}
