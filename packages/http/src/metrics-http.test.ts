import { createMetrics, type EventcoreMetrics, type MetricsOptions } from '@eventcore/metrics'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { registerAuth } from './auth.js'
import { registerMetrics, serveMetrics } from './metrics-http.js'

/** Every name DESIGN §6 and the production checklist (validator, alerts, health check) rely on. */
const REQUIRED = [
  'eventcore_commands_total',
  'eventcore_command_duration_seconds_bucket',
  'eventcore_command_duration_seconds_count',
  'eventcore_command_errors_total',
  'eventcore_command_retries_total',
  'eventcore_events_written_total',
  'eventcore_active_streams',
  'eventcore_projection_lag_seconds',
  'eventcore_projection_events_processed_total',
  'eventcore_connection_pool_size',
  'eventcore_connection_pool_max_size',
  'eventcore_connection_pool_errors_total',
  'eventcore_http_requests_total',
  'eventcore_http_request_duration_seconds_bucket',
]

type Labels = Readonly<Partial<Record<string, string | number>>>

/** The value of the series of `name` whose labels are exactly `labels`, or undefined when it does not exist. */
async function seriesOf(metrics: EventcoreMetrics, name: string, labels: Labels): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)
  const wanted = JSON.stringify(Object.entries(labels).sort())
  return metric?.values.find((v) => JSON.stringify(Object.entries(v.labels).sort()) === wanted)?.value
}

/** Every label set `name` has series for. */
async function labelSetsOf(metrics: EventcoreMetrics, name: string): Promise<Labels[]> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)
  return (metric?.values ?? []).map((v) => v.labels)
}

function manualClock(start = Date.parse('2026-03-01T00:00:00Z')) {
  let now = start
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) }
}

const apps: FastifyInstance[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

async function usersApp() {
  const metrics = createMetrics({ defaultMetrics: false })
  const app = Fastify()
  apps.push(app)
  registerMetrics(app, metrics)
  app.get<{ Params: { id: string } }>('/api/v1/users/:id', async (request) => ({ id: request.params.id }))
  app.post(
    '/api/v1/users',
    { schema: { response: { 201: { type: 'object', properties: { id: { type: 'string' } } } } } },
    async (_request, reply) => reply.code(201).send({ id: '7' }),
  )
  await app.ready()
  return { app, metrics }
}

describe('HTTP request metrics', () => {
  it('labels requests by route pattern, so two ids make one series', async () => {
    const { app, metrics } = await usersApp()
    await app.inject({ method: 'GET', url: '/api/v1/users/1' })
    await app.inject({ method: 'GET', url: '/api/v1/users/2?fields=email' })
    const route = { method: 'GET', route: '/api/v1/users/:id' }
    expect(await seriesOf(metrics, 'eventcore_http_requests_total', { ...route, status: '200' })).toBe(2)
    expect(await seriesOf(metrics, 'eventcore_http_request_duration_seconds', { ...route, le: '+Inf' })).toBe(2)
    const routes = (await labelSetsOf(metrics, 'eventcore_http_requests_total')).map((labels) => labels.route)
    expect(routes.filter((r) => String(r).includes('/users/1') || String(r).includes('/users/2'))).toEqual([])
  })

  it('labels a request no route matches as unmatched, never by its URL', async () => {
    const { app, metrics } = await usersApp()
    await app.inject({ method: 'GET', url: '/wp-admin/setup.php' })
    await app.inject({ method: 'DELETE', url: '/api/v1/users/1' })
    const unmatched = { route: 'unmatched', status: '404' }
    expect(await seriesOf(metrics, 'eventcore_http_requests_total', { method: 'GET', ...unmatched })).toBe(1)
    expect(await seriesOf(metrics, 'eventcore_http_requests_total', { method: 'DELETE', ...unmatched })).toBe(1)
    const routes = (await labelSetsOf(metrics, 'eventcore_http_requests_total')).map((labels) => labels.route)
    expect(routes).not.toContain('/wp-admin/setup.php')
  })

  it('starts each route at 0 with the success status its schema declares', async () => {
    const { metrics } = await usersApp()
    expect(
      await seriesOf(metrics, 'eventcore_http_requests_total', {
        method: 'POST',
        route: '/api/v1/users',
        status: '201',
      }),
    ).toBe(0)
    expect(
      await seriesOf(metrics, 'eventcore_http_requests_total', {
        method: 'GET',
        route: '/api/v1/users/:id',
        status: '200',
      }),
    ).toBe(0)
    const methods = (await labelSetsOf(metrics, 'eventcore_http_request_duration_seconds')).map((l) => l.method)
    expect(methods).not.toContain('HEAD')
  })

  it('records the status the reply was sent with, errors included', async () => {
    const { app, metrics } = await usersApp()
    await app.inject({ method: 'POST', url: '/api/v1/users' })
    await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { 'content-type': 'application/json' },
      body: '{',
    })
    const route = { method: 'POST', route: '/api/v1/users' }
    expect(await seriesOf(metrics, 'eventcore_http_requests_total', { ...route, status: '201' })).toBe(1)
    expect(await seriesOf(metrics, 'eventcore_http_requests_total', { ...route, status: '400' })).toBe(1)
  })

  it('measures requests without a scrape route when the scrape is served by another server', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const app = Fastify()
    const admin = Fastify()
    apps.push(app, admin)
    registerMetrics(app, metrics, { path: false })
    app.get('/ping', async () => 'pong')
    serveMetrics(admin, metrics, { path: '/metrics' })
    await Promise.all([app.ready(), admin.ready()])
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404)
    await app.inject({ method: 'GET', url: '/ping' })
    const scrape = await admin.inject({ method: 'GET', url: '/metrics' })
    expect(scrape.statusCode).toBe(200)
    expect(scrape.body).toContain('eventcore_http_requests_total{method="GET",route="/ping",status="200"} 1')
  })
})

async function serve(options: MetricsOptions = {}) {
  const metrics = createMetrics({ defaultMetrics: false, ...options })
  const app = Fastify()
  apps.push(app)
  registerMetrics(app, metrics)
  await app.ready()
  return { app, metrics }
}

describe('metrics scrape', () => {
  it('lists every required metric with a sample from the first scrape', async () => {
    const { app, metrics } = await serve({
      commands: ['RegisterUser', { name: 'RenameUser' }],
      projections: ['users'],
    })
    const response = await app.inject({ method: 'GET', url: '/metrics' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    const sampled = response.body
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => /^[a-zA-Z_:][\w:]*/.exec(line)?.[0])
    const names = new Set(sampled)
    expect(REQUIRED.filter((name) => !names.has(name))).toEqual([])
    const command = (name: string, labels: Labels) => seriesOf(metrics, name, labels)
    expect(await command('eventcore_commands_total', { command: 'RenameUser', outcome: 'success' })).toBe(0)
    expect(await command('eventcore_command_errors_total', { command: 'RegisterUser', kind: 'exception' })).toBe(0)
    expect(await command('eventcore_command_retries_total', { command: 'RegisterUser', reason: 'concurrency' })).toBe(0)
    expect(await seriesOf(metrics, 'eventcore_projection_lag_seconds', { projection: 'users' })).toBe(0)
    expect(await seriesOf(metrics, 'eventcore_connection_pool_errors_total', {})).toBe(0)
    expect(await labelSetsOf(metrics, 'eventcore_commands_total')).toHaveLength(2 * 7)
  })

  it('serves the scrape without a token when every other route needs one', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const app = Fastify()
    apps.push(app)
    await registerAuth(app, { secret: 'a-secret-of-at-least-thirty-two-bytes!', roles: {} })
    registerMetrics(app, metrics, { path: '/internal/metrics' })
    app.get('/private', async () => ({ ok: true }))
    await app.ready()
    expect((await app.inject({ method: 'GET', url: '/private' })).statusCode).toBe(401)
    expect((await app.inject({ method: 'GET', url: '/internal/metrics' })).statusCode).toBe(200)
  })

  it('keeps the last value and answers the scrape when the source fails', async () => {
    const { clock, advance } = manualClock()
    const metrics = createMetrics({ defaultMetrics: false, clock })
    const answers: Array<() => Promise<number>> = [
      async () => 40,
      async () => {
        throw new Error('connection terminated unexpectedly')
      },
      async () => Number.NaN,
      async () => 41,
    ]
    metrics.sources({ activeStreams: () => answers.shift()?.() ?? Promise.resolve(0), activeStreamsTtlMs: 1000 })
    const app = Fastify()
    serveMetrics(app, metrics)
    const scrape = async () => {
      const response = await app.inject({ method: 'GET', url: '/metrics' })
      expect(response.statusCode).toBe(200)
      return Number(/^eventcore_active_streams (\S+)$/m.exec(response.body)?.[1])
    }
    expect(await scrape()).toBe(40)
    advance(1000)
    expect(await scrape()).toBe(40) // rejected
    expect(await scrape()).toBe(40) // NaN, asked again at once because the failure cached nothing
    expect(await scrape()).toBe(41)
    await app.close()
  })
})
