import {
  type Config,
  type RunningService,
  type ServiceDefinition,
  type StartOptions,
  startService,
} from '@eventcore/service'
import { usersRoutes } from './http/users-routes.js'
import { validatorCompiler } from './http/validation.js'
import { ROLES } from './roles.js'
import { usersServiceMetrics } from './service-metrics.js'
import { ensureUsersReadModel, requireUsersReadModel, usersProjection } from './users/index.js'

/**
 * The users service, described for `@eventcore/service`: the users routes under `/api/v1`, the
 * role table, the users read model and its projection, the metrics, and the personal data that
 * never reaches a log line.
 */
export const usersService: ServiceDefinition = {
  name: 'users service',
  roles: ROLES,
  routes: usersRoutes,
  prefix: '/api/v1',
  validatorCompiler,
  prepare: (store) => ensureUsersReadModel(store),
  verify: (store) => requireUsersReadModel(store),
  // Lists may lag up to 100 ms more; under load a burst of registrations is one transaction, so the
  // projection, which shares the event loop and the database with the requests, takes a few
  // round trips per 100 ms rather than per few appends.
  projections: (store) => [{ projection: usersProjection(store), liveBatchDelayMs: 100 }],
  metrics: usersServiceMetrics,
  // Its personal data, wherever a log line would carry it (firstName and lastName too).
  redactLogKeys: ['email', 'first_name', 'last_name'],
  devToken: {
    sub: 'dev-admin',
    roles: ['admin'],
    message: (token, url, { canSignMore }) =>
      `An admin token, valid for an hour${canSignMore ? ' (more with: npm run -s token -- --role admin --sub you)' : ''}:\n\n  export TOKEN=${token}\n\n` +
      `Try:\n  curl -s -X POST ${url}/api/v1/users -H "authorization: Bearer $TOKEN" \\\n` +
      `    -H 'content-type: application/json' -d '{"email":"ada@example.com","first_name":"Ada","last_name":"Lovelace"}'\n`,
  },
}

/**
 * Starts the users service from a configuration, as `npm start` does (without its signal handling).
 *
 * @example
 * const loaded = loadConfig(process.env)
 * if (loaded.ok) await startUsersService(loaded.config)
 */
export function startUsersService(config: Config, options: StartOptions = {}): Promise<RunningService> {
  return startService(config, usersService, options)
}
