import { createExecutor, uuidv7 } from '@eventcore/core'
import { openPgliteStore, type SqlEventStore } from '@eventcore/postgres'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from './build-app.js'
import { loadConfig } from './config/index.js'
import type { ServiceDefinition } from './service-definition.js'
import { parseLogLine } from './testing/log-lines.js'

const SECRET = 'a-build-app-test-secret-of-at-least-32-bytes'

// A service of one public route that logs what it was sent, as a careless handler would.
const echoService: ServiceDefinition = {
  name: 'echo service',
  roles: { admin: ['echo:send'] },
  prefix: '/api/v2',
  redactLogKeys: ['email', 'first_name'],
  redactLogPaths: ['sent.card'],
  routes: async (app, { newId }) => {
    app.post('/echo', { config: { eventcore: { public: true } } }, async (request) => {
      request.log.info({ sent: request.body }, 'echo')
      return { id: newId() }
    })
    // Careless in every way a handler can be: credentials and personal data at any depth, and an
    // error quoting the input with a driver error that does too.
    app.post<{ Body: Record<string, string> }>(
      '/careless',
      { config: { eventcore: { public: true } } },
      async (request) => {
        const { email, firstName, password, token } = request.body
        request.log.info(
          { password, authorization: `Bearer ${token}`, user: { profile: { email, firstName, apiKey: token } } },
          'careless',
        )
        request.log.info({ users: [{ first_name: firstName, session_token: token }] }, 'in a list')
        const driver = Object.assign(new Error(`duplicate key: ${email}`), {
          code: '23505',
          detail: `Key (email)=(${email}) already exists.`,
        })
        request.log.warn(new Error(`retrying for ${email}`))
        throw new Error(`could not register ${email} (${firstName})\nwith ${password}`, { cause: driver })
      },
    )
  },
}

describe('buildApp', () => {
  let store: SqlEventStore
  let app: FastifyInstance
  const lines: string[] = []

  beforeAll(async () => {
    const loaded = loadConfig({ NODE_ENV: 'test', EVENTCORE_JWT_SECRET: SECRET, EVENTCORE_DATA_DIR: 'memory://' })
    if (!loaded.ok) throw new Error(loaded.problems.join('; '))
    store = await openPgliteStore({ dataDir: 'memory://', schema: 'build_app' })
    app = await buildApp(loaded.config, echoService, {
      store,
      executor: createExecutor({ store }),
      newId: uuidv7,
      logStream: { write: (line) => lines.push(line) },
    })
    await app.ready()
  }, 60_000)
  afterAll(async () => {
    await app?.close()
    await store?.close()
  })

  it("mounts the service's routes under its prefix", async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v2/echo', payload: {} })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ id: expect.any(String) })
  })

  it("keeps credentials and the service's personal data out of its logs", async () => {
    lines.length = 0
    const sent = { email: 'ada@example.com', token: 'a-bearer-token', password: 'hunter2', card: '4111', note: 'kept' }
    await app.inject({ method: 'POST', url: '/api/v2/echo', payload: sent })
    const entries: { msg?: string; sent?: unknown }[] = lines.map((line) => JSON.parse(line))
    expect(entries.find((entry) => entry.msg === 'echo')?.sent).toEqual({
      email: '[redacted]',
      token: '[redacted]',
      password: '[redacted]',
      card: '[redacted]',
      note: 'kept',
    })
  })

  it('logs a failing request with its error type, code and frames, and nothing it was sent', async () => {
    lines.length = 0
    const sent = { email: 'grace@example.com', firstName: 'Grace', password: 'swordfish', token: 'eyJ.secret.sig' }
    const response = await app.inject({
      method: 'POST',
      url: '/api/v2/careless',
      payload: sent,
      headers: { 'x-correlation-id': 'careless-1', cookie: 'sid=swordfish-cookie' },
    })
    expect(response.statusCode).toBe(500)
    const parsed = lines.map((line) => parseLogLine(line.trim()))
    expect(parsed.filter((line) => !line.ok)).toEqual([])
    const entries = parsed.flatMap((line) => (line.ok ? [line.entry] : []))
    const text = lines.join('\n')
    for (const value of [...Object.values(sent), 'swordfish-cookie', 'Grace']) expect(text).not.toContain(value)
    expect(entries.find((entry) => entry.msg === 'careless')).toMatchObject({
      password: '[redacted]',
      authorization: '[redacted]',
      user: { profile: { email: '[redacted]', firstName: '[redacted]', apiKey: '[redacted]' } },
    })
    expect(entries.find((entry) => entry.msg === 'in a list')).toMatchObject({
      users: [{ first_name: '[redacted]', session_token: '[redacted]' }],
    })
    // Without a message of its own, a line about an error says the error's type, not its message.
    expect(entries.find((entry) => entry.level === 40)).toMatchObject({ msg: 'Error', err: { type: 'Error' } })
    const failed = entries.find((entry) => entry.msg === 'request failed')
    expect(failed).toMatchObject({
      correlationId: 'careless-1',
      status: 500,
      err: { type: 'Error', stack: expect.stringMatching(/^\s+at /), cause: { type: 'Error', code: '23505' } },
    })
    expect(Object.keys(failed?.err ?? {}).sort()).toEqual(['cause', 'stack', 'type'])
  })

  it('titles the OpenAPI document after the service', async () => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' })
    expect(response.json()).toMatchObject({ info: { title: 'EventCore echo service', version: '1.0.0' } })
  })
})
