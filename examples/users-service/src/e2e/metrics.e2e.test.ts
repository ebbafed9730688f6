import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registered, startTestService, type TestService } from './harness.js'

/** The value of one series in Prometheus text, e.g. `users_registered_total`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

const REQUIRED = [
  'eventcore_commands_total',
  'eventcore_command_duration_seconds',
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
  'users_registered_total',
  'users_deactivated_total',
  'process_cpu_seconds_total',
]

describe('metrics of the users service', () => {
  let service: TestService
  let separate: TestService
  beforeAll(async () => {
    service = await startTestService('pglite')
    separate = await startTestService('pglite', { EVENTCORE_METRICS_PORT: '0' })
  })
  afterAll(async () => {
    await service?.close()
    await separate?.close()
  })

  it('lists every metric the checklist names on /metrics, without a token', async () => {
    const response = await service.call('/metrics')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await response.text()
    for (const name of REQUIRED) expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'))
  })

  it('counts registrations as commands, events written and a business metric', async () => {
    const before = await (await service.call('/metrics')).text()
    await registered(service, { label: 'metrics' })
    const after = await (await service.call('/metrics')).text()
    const success = 'eventcore_commands_total{command="register-user",outcome="success"}'
    expect(sample(after, success)).toBe((sample(before, success) ?? 0) + 1)
    expect(sample(after, 'users_registered_total')).toBe((sample(before, 'users_registered_total') ?? 0) + 1)
    expect(sample(after, 'eventcore_connection_pool_max_size')).toBe(1) // PGlite: one connection
  })

  it('serves /metrics on a port of its own when EVENTCORE_METRICS_PORT is set, and not on the API port', async () => {
    expect(separate.metricsUrl).toBeDefined()
    expect(separate.metricsUrl).not.toBe(separate.url)
    const scrape = await fetch(`${separate.metricsUrl}/metrics`)
    expect(scrape.status).toBe(200)
    expect(await scrape.text()).toMatch(/^# TYPE eventcore_commands_total counter/m)
    const token = await separate.token(['admin'])
    expect((await separate.call('/metrics', { token })).status).toBe(404)
  })
})
