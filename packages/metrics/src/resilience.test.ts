import { type EventStore, StoreUnavailableError, subscribe, withCircuitBreaker } from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import { describe, expect, it } from 'vitest'
import { createMetrics } from './metrics.js'

/** The value of the one sample `name{labels}` in a Prometheus text exposition. */
async function sampleValue(metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string>) {
  const text = await metrics.registry.metrics()
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  const lines = text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && wanted.every((label) => line.includes(label)))
  expect(lines, `${name} ${JSON.stringify(labels)}`).toHaveLength(1)
  return Number(lines[0]?.split(' ').at(-1))
}

const down = () => new StoreUnavailableError('connect ECONNREFUSED', { transient: true })

describe('resilience metrics', () => {
  it('follows a real circuit breaker: 0 closed, 2 open, 1 half-open, with its transitions', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    let now = 0
    let failing = true
    const memory = createMemoryStore()
    const flaky: EventStore = {
      ...memory,
      readAll: async (options) => {
        if (failing) throw down()
        return memory.readAll(options)
      },
    }
    const { store } = withCircuitBreaker(flaky, {
      minimumCalls: 2,
      openMs: 1000,
      clock: () => now,
      onStateChange: metrics.circuitBreakerObserver('events'),
    })
    expect(await sampleValue(metrics, 'eventcore_circuit_breaker_state', { store: 'events' })).toBe(0)
    expect(
      await sampleValue(metrics, 'eventcore_circuit_breaker_transitions_total', { store: 'events', to: 'open' }),
    ).toBe(0)
    for (let i = 0; i < 2; i++) await expect(store.readAll()).rejects.toThrow()
    expect(await sampleValue(metrics, 'eventcore_circuit_breaker_state', { store: 'events' })).toBe(2)
    now = 1000
    failing = false
    let probed = false
    const probe = store.readAll().then(() => {
      probed = true
    })
    expect(probed).toBe(false)
    expect(await sampleValue(metrics, 'eventcore_circuit_breaker_state', { store: 'events' })).toBe(1)
    await probe
    expect(await sampleValue(metrics, 'eventcore_circuit_breaker_state', { store: 'events' })).toBe(0)
    for (const to of ['open', 'half-open', 'closed'])
      expect(await sampleValue(metrics, 'eventcore_circuit_breaker_transitions_total', { store: 'events', to })).toBe(1)
  })

  it('shows projection versions waiting out an outage, and counts their failed tries', async () => {
    const metrics = createMetrics({ defaultMetrics: false, projections: ['users'] })
    expect(await sampleValue(metrics, 'eventcore_projection_waiting', { projection: 'users' })).toBe(0)
    expect(await sampleValue(metrics, 'eventcore_store_outage_retries_total', { consumer: 'users' })).toBe(0)
    const { onState, onOutage } = metrics.projectionObserver
    onState?.({ projection: 'users', version: 1, state: 'waiting' })
    onState?.({ projection: 'users', version: 2, state: 'waiting' })
    for (let attempt = 1; attempt <= 3; attempt++)
      onOutage?.({ projection: 'users', version: 1, attempt, delayMs: 100, error: down() })
    expect(await sampleValue(metrics, 'eventcore_projection_waiting', { projection: 'users' })).toBe(2)
    expect(await sampleValue(metrics, 'eventcore_store_outage_retries_total', { consumer: 'users' })).toBe(3)
    onState?.({ projection: 'users', version: 1, state: 'running' })
    onState?.({ projection: 'users', version: 2, state: 'rebuilding' })
    expect(await sampleValue(metrics, 'eventcore_projection_waiting', { projection: 'users' })).toBe(0)
  })

  it('counts the failed reads a subscription waits out', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const memory = createMemoryStore()
    let failures = 2
    const flaky: EventStore = {
      ...memory,
      readAll: async (options) => {
        if (failures-- > 0) throw down()
        return memory.readAll(options)
      },
    }
    await memory.append([{ streamId: 's', events: [{ type: 'A', data: {} }] }])
    const controller = new AbortController()
    const onOutage = metrics.outageObserver('mailer')
    expect(await sampleValue(metrics, 'eventcore_store_outage_retries_total', { consumer: 'mailer' })).toBe(0)
    for await (const _batch of subscribe(flaky, {
      signal: controller.signal,
      onOutage,
      outageBackoff: { minMs: 1, maxMs: 2 },
    }))
      controller.abort()
    expect(await sampleValue(metrics, 'eventcore_store_outage_retries_total', { consumer: 'mailer' })).toBe(2)
  })
})
