// Test support: the built users service as a child process (what `npm start` and a container run)
// and a little traffic of every kind the dashboard and the alerts look at.

import { join } from 'node:path'
import { mintToken } from '@eventcore/service'
import { type ChildService, spawnService } from '@eventcore/service/testing'
import { expect } from 'vitest'
import { REPO_ROOT } from './deploy-files.js'

/** The users service's built entry point (`npx tsc -b` builds it). */
export const USERS_MAIN_SCRIPT = join(REPO_ROOT, 'examples/users-service/dist/main.js')

const SECRET = 'deploy-kit-tests-secret-0123456789abcdef'

/** The users service on an in-memory PGlite. */
export const startUsersService = (): Promise<ChildService> =>
  spawnService(USERS_MAIN_SCRIPT, { EVENTCORE_JWT_SECRET: SECRET, EVENTCORE_DATA_DIR: 'memory://' })

let users = 0

/**
 * Probes, a 404, registrations (one rejected as a duplicate, one as invalid), a list and a read, as
 * an admin; checks each answer's status, so traffic that went wrong fails the test here.
 */
export async function driveTraffic(url: string): Promise<void> {
  const token = await mintToken({
    secret: SECRET,
    sub: 'deploy-tests',
    roles: ['admin'],
    ttlSeconds: 300,
    now: new Date(),
  })
  const call = async (path: string, status: number, init: RequestInit = {}) => {
    const response = await fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    })
    const body = await response.text()
    expect(response.status, `${init.method ?? 'GET'} ${path}: ${body}`).toBe(status)
    return body
  }
  const register = (email: string, status: number) =>
    call('/api/v1/users', status, {
      method: 'POST',
      body: JSON.stringify({ email, first_name: 'Ada', last_name: 'Lovelace' }),
    })
  await call('/health', 200)
  await call('/ready', 200)
  await call('/no-such-route', 404)
  const email = `deploy-${process.pid}-${++users}@example.com`
  const { id } = JSON.parse(await register(email, 201)) as { id: string }
  await register(`deploy-${process.pid}-${++users}@example.com`, 201)
  await register(email, 409)
  await register('not-an-email', 400)
  await call('/api/v1/users', 200)
  await call(`/api/v1/users/${id}`, 200)
}
