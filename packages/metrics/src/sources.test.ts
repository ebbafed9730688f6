import { describe, expect, it } from 'vitest'
import { createMetrics, type EventcoreMetrics } from './metrics.js'
import type { PoolStats } from './sources.js'

/** Scrapes the whole registry (so every collect runs) and answers the value of an unlabelled gauge. */
async function gauge(metrics: EventcoreMetrics, name: string): Promise<number | undefined> {
  return (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)?.values[0]?.value
}

function manualClock(start = Date.parse('2026-03-01T00:00:00Z')) {
  let now = start
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) }
}

function deferred<T>() {
  let resolve: (value: T) => void = () => {}
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('active streams', () => {
  it('reads 0 until a source is given, then what the source answers', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    expect(await gauge(metrics, 'eventcore_active_streams')).toBe(0)
    metrics.sources({ activeStreams: async () => 1234 })
    expect(await gauge(metrics, 'eventcore_active_streams')).toBe(1234)
  })

  it('reuses an answer while it is fresh and asks again once it is older than the TTL', async () => {
    const { clock, advance } = manualClock()
    const metrics = createMetrics({ defaultMetrics: false, clock })
    let calls = 0
    metrics.sources({ activeStreams: async () => ++calls * 10, activeStreamsTtlMs: 30_000 })
    expect(await gauge(metrics, 'eventcore_active_streams')).toBe(10)
    advance(29_999)
    expect(await gauge(metrics, 'eventcore_active_streams')).toBe(10)
    advance(1)
    expect(await gauge(metrics, 'eventcore_active_streams')).toBe(20)
    expect(calls).toBe(2)
  })

  it('shares one read between scrapes that arrive together', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const answer = deferred<number>()
    let calls = 0
    metrics.sources({
      activeStreams: () => {
        calls += 1
        return answer.promise
      },
      activeStreamsTimeoutMs: 60_000,
    })
    const scrapes = [gauge(metrics, 'eventcore_active_streams'), gauge(metrics, 'eventcore_active_streams')]
    answer.resolve(5)
    expect(await Promise.all(scrapes)).toEqual([5, 5])
    expect(calls).toBe(1)
  })

  it('answers with the last value when the source is slower than the timeout, and uses its late answer next', async () => {
    const { clock, advance } = manualClock()
    const metrics = createMetrics({ defaultMetrics: false, clock })
    const slow = deferred<number>()
    const answers = [() => Promise.resolve(7), () => slow.promise]
    metrics.sources({
      activeStreams: () => answers.shift()?.() ?? Promise.reject(new Error('asked too often')),
      activeStreamsTtlMs: 1000,
      activeStreamsTimeoutMs: 5,
    })
    expect(await gauge(metrics, 'eventcore_active_streams')).toBe(7)
    advance(1000)
    expect(await gauge(metrics, 'eventcore_active_streams')).toBe(7)
    slow.resolve(8)
    await slow.promise
    expect(await gauge(metrics, 'eventcore_active_streams')).toBe(8)
  })

  it('refuses a negative or non-numeric TTL or timeout', () => {
    const metrics = createMetrics({ defaultMetrics: false })
    expect(() => metrics.sources({ activeStreamsTtlMs: -1 })).toThrow(RangeError)
    expect(() => metrics.sources({ activeStreamsTimeoutMs: Number.NaN })).toThrow(/≥ 0/)
  })
})

describe('connection pool', () => {
  it('reports size, limit, idle and waiting from the pool on every scrape', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    let stats: PoolStats = { total: 4, idle: 1, waiting: 0, max: 10 }
    metrics.sources({ pool: () => stats })
    expect(await gauge(metrics, 'eventcore_connection_pool_size')).toBe(4)
    expect(await gauge(metrics, 'eventcore_connection_pool_max_size')).toBe(10)
    expect(await gauge(metrics, 'eventcore_connection_pool_idle')).toBe(1)
    stats = { total: 10, idle: 0, waiting: 3, max: 10 }
    expect(await gauge(metrics, 'eventcore_connection_pool_size')).toBe(10)
    expect(await gauge(metrics, 'eventcore_connection_pool_waiting')).toBe(3)
  })

  it('keeps the last numbers when the pool cannot say, and counts pool errors', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    let fail = false
    metrics.sources({
      pool: () => {
        if (fail) throw new Error('pool ended')
        return { total: 3, idle: 2, waiting: 0, max: 20 }
      },
    })
    expect(await gauge(metrics, 'eventcore_connection_pool_size')).toBe(3)
    fail = true
    metrics.countPoolError()
    metrics.countPoolError()
    expect(await gauge(metrics, 'eventcore_connection_pool_size')).toBe(3)
    expect(await gauge(metrics, 'eventcore_connection_pool_max_size')).toBe(20)
    expect(await gauge(metrics, 'eventcore_connection_pool_errors_total')).toBe(2)
  })
})
