// Issue 8, "found when the service was tried as a new user would": Location, list cursors,
// look-alike addresses and personal data in the logs.

import { mintToken } from '@eventcore/service'
import { assertBuilt, type ChildService, spawnService } from '@eventcore/service/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UserBody } from '../http/schemas.js'
import { emailStream } from '../users/index.js'
import { eventCount } from './event-count.js'
import {
  bodyOf,
  eventually,
  expectProblem,
  newUser,
  registered,
  STORES,
  startTestService,
  TEST_SECRET,
  type TestService,
  uniqueEmail,
} from './harness.js'
import { MAIN_SCRIPT } from './main-script.js'

const cursorOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url')

describe.each(STORES)('what a new user found, on %s', (store) => {
  let service: TestService
  let admin: string
  beforeAll(async () => {
    service = await startTestService(store)
    admin = await service.token(['admin'], 'new-user-admin')
  })
  afterAll(() => service?.close())

  const register = (json: unknown, path = '/api/v1/users') => service.call(path, { method: 'POST', token: admin, json })

  it('builds Location from the route, whatever query string the request carried', async () => {
    for (const query of ['?x=1', '?a=1&b=%2F..%2F', '?']) {
      const response = await register(newUser('location'), `/api/v1/users${query}`)
      expect(response.status).toBe(201)
      const user = await bodyOf(response, UserBody)
      expect(response.headers.get('location')).toBe(`/api/v1/users/${user.id}`)
    }
  })

  it.each([
    ['a NUL byte (YQBi)', 'YQBi'],
    ['a NUL byte alone', cursorOf('\u0000')],
    ['a control character', cursorOf('a\u0007b')],
    ['SQL', cursorOf("' OR 1=1 --")],
    ['a path', cursorOf('../../etc')],
    ['a lone surrogate', cursorOf('a\ud800')],
    ['an id too long to be one', cursorOf('a'.repeat(65))],
  ])('answers a cursor that decodes to %s with 400 naming after', async (_, after) => {
    const response = await service.call(`/api/v1/users?after=${encodeURIComponent(after)}`, { token: admin })
    const problem = await expectProblem(response, 400, 'invalid-request')
    expect(problem.errors).toEqual([expect.objectContaining({ path: 'querystring/after' })])
  })

  it('still pages with the cursors it hands out', async () => {
    await registered(service, { label: 'page-a' })
    await registered(service, { label: 'page-b' })
    // Lists come from the projection, which gathers live appends for a moment first.
    const next = await eventually(async () => {
      const first = await service.call('/api/v1/users?limit=1', { token: admin })
      return ((await first.json()) as { next: string | null }).next ?? undefined
    })
    expect(next).toEqual(expect.any(String))
    expect((await service.call(`/api/v1/users?limit=1&after=${next}`, { token: admin })).status).toBe(200)
  })

  it('refuses an address that looks like a registered one, and writes nothing', async () => {
    const user = await registered(service, { label: 'lookalike' })
    // The same address as the user's, its first letter swapped for a Cyrillic or full-width one.
    const lookAlikes = [
      `\u0430${user.email.slice(1)}`,
      `\uff41${user.email.slice(1)}`,
      user.email.replace('@', '\uff20'),
    ]
    for (const email of lookAlikes) {
      const before = await eventCount(service)
      await expectProblem(await register(newUser('lookalike', { email })), 400, 'invalid-request')
      const other = await registered(service, { label: 'lookalike-other' })
      const change = await service.call(`/api/v1/users/${other.id}`, { method: 'PATCH', token: admin, json: { email } })
      await expectProblem(change, 400, 'invalid-request')
      // Only the other user's registration (its user and claim events), and no claim of the look-alike.
      expect((await eventCount(service)) - before).toBe(2)
      expect((await service.store.readStream(emailStream(email))).version).toBe(0)
    }
    const idna = await register(
      newUser('idna', { email: uniqueEmail('idna').replace('example.com', 'xn--bcher-kva.example') }),
    )
    expect(idna.status).toBe(201)
  })
})

describe('a development service started as a new user would', () => {
  // Names no log line has any other reason to carry.
  const person = { first_name: 'Zenobia', last_name: 'Quarrington' }
  let service: ChildService
  // Started in the hook: the embedded database may take a while to start on a busy machine.
  beforeAll(async () => {
    assertBuilt(MAIN_SCRIPT)
    service = await spawnService(MAIN_SCRIPT, {
      EVENTCORE_JWT_SECRET: TEST_SECRET,
      EVENTCORE_DATA_DIR: 'memory://',
      EVENTCORE_LOG_LEVEL: 'info',
      EVENTCORE_HOST: '', // unset, as on a developer's machine
    })
  })
  afterAll(() => service?.kill())

  it('listens on loopback only in development when EVENTCORE_HOST is unset', () => {
    expect(new URL(service.url).hostname).toBe('127.0.0.1')
  })

  it('never logs the address or a name of a refused registration or change', async () => {
    const token = await mintToken({
      secret: TEST_SECRET,
      sub: 'log-admin',
      roles: ['admin'],
      ttlSeconds: 300,
      now: new Date(),
    })
    const call = (path: string, method: string, json: unknown) =>
      fetch(`${service.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(json),
      })
    const email = 'zenobia.quarrington@example.com'
    const first = await call('/api/v1/users', 'POST', { email, ...person })
    expect(first.status).toBe(201)
    const other = await bodyOf(
      await call('/api/v1/users', 'POST', { email: 'z.q.other@example.com', ...person }),
      UserBody,
    )

    const refusals = [
      await call('/api/v1/users', 'POST', { email, ...person }), // email-taken
      await call('/api/v1/users', 'POST', { email: email.toUpperCase(), ...person }), // email-taken, other case
      await call(`/api/v1/users/${other.id}`, 'PATCH', { email }), // email-taken on change
      await call('/api/v1/users', 'POST', { email: 'zenobia quarrington@example.com', ...person }), // not an address
      await call('/api/v1/users', 'POST', { email: `\u0430${email}`, ...person }), // a look-alike
    ]
    expect(refusals.map((r) => r.status)).toEqual([409, 409, 409, 400, 400])
    // The refusals were logged (so the check below reads their lines), without what was sent.
    await service.waitForStdout(/email-taken[\s\S]*email-taken[\s\S]*email-taken/)
    const { stdout, stderr } = service.output()
    expect(stdout + stderr).not.toMatch(/zenobia|quarrington/i)
  })
})
