import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestService, type TestService } from './harness.js'

describe('readiness of the users service', () => {
  let service: TestService
  beforeAll(async () => {
    service = await startTestService('pglite')
  })
  // The store is closed under the service by the test: closing it again may fail, harmlessly.
  afterAll(() => service?.close().catch(() => undefined))

  it('is ready with its database, migrations, projections and circuit breaker checked', async () => {
    const response = await service.call('/ready')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: [
        { name: 'database', ok: true },
        { name: 'migrations', ok: true },
        { name: 'projections', ok: true },
        { name: 'event-store-circuit', ok: true },
      ],
    })
  })

  it('answers 503 when the database is gone, saying so without the driver’s message', async () => {
    await service.store.close()
    const response = await service.call('/ready')
    expect(response.status).toBe(503)
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/)
    expect(await response.json()).toMatchObject({
      type: 'urn:eventcore:problem:not-ready',
      state: 'not-ready',
      checks: expect.arrayContaining([{ name: 'database', ok: false, error: 'the database did not answer' }]),
    })
    expect((await service.call('/health')).status).toBe(200) // alive: a restart would not help
  })
})
