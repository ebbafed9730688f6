import { createExecutor, uuidv7 } from '@eventcore/core'
import { openPgliteStore, type SqlEventStore } from '@eventcore/postgres'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from './build-app.js'
import { loadConfig } from './config/index.js'
import type { ServiceDefinition } from './service-definition.js'

const SECRET = 'a-build-app-test-secret-of-at-least-32-bytes'

// A service of one public route that logs what it was sent, as a careless handler would.
const echoService: ServiceDefinition = {
  name: 'echo service',
  roles: { admin: ['echo:send'] },
  prefix: '/api/v2',
  redactLogPaths: ['*.email'],
  routes: async (app, { newId }) => {
    app.post('/echo', { config: { eventcore: { public: true } } }, async (request) => {
      request.log.info({ sent: request.body }, 'echo')
      return { id: newId() }
    })
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
    const sent = { email: 'ada@example.com', token: 'a-bearer-token', password: 'hunter2', note: 'kept' }
    await app.inject({ method: 'POST', url: '/api/v2/echo', payload: sent })
    const entries: { msg?: string; sent?: unknown }[] = lines.map((line) => JSON.parse(line))
    expect(entries.find((entry) => entry.msg === 'echo')?.sent).toEqual({
      email: '[redacted]',
      token: '[redacted]',
      password: '[redacted]',
      note: 'kept',
    })
  })

  it('titles the OpenAPI document after the service', async () => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' })
    expect(response.json()).toMatchObject({ info: { title: 'EventCore echo service', version: '1.0.0' } })
  })
})
