/**
 * The users service (`@eventcore/example-users-service`): a users API on EventCore, what `npm start`
 * runs. The benchmarks start it from here.
 *
 * @example
 * import { loadConfig } from '@eventcore/service'
 * import { startUsersService } from '@eventcore/example-users-service'
 *
 * const loaded = loadConfig(process.env)
 * if (!loaded.ok) throw new Error(loaded.problems.join('; '))
 * const service = await startUsersService(loaded.config)
 *
 * @module
 */
export { startUsersService, usersService } from './users-service.js'
