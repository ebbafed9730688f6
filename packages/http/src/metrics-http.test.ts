import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createMetrics, type EventcoreMetrics } from './metrics.js'
import { registerMetrics, serveMetrics } from './metrics-http.js'

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
