import { describe, expect, it } from 'vitest'
import { type MemoryReading, memoryFromMetrics, memoryTrend } from './memory-trend.js'

const MiB = 2 ** 20
const readings = (rssMiB: readonly number[]): MemoryReading[] =>
  rssMiB.map((rss, i) => ({ atSeconds: i * 10, rssBytes: rss * MiB, heapUsedBytes: rss * MiB * 0.4 }))

describe('memoryTrend', () => {
  it('sees a plateau when memory stops growing after the warm-up', () => {
    const trend = memoryTrend(readings([60, 90, 110, 118, 120, 119, 121, 120, 119]))
    expect(trend.plateaued).toBe(true)
    expect(trend.maxRssBytes).toBe(121 * MiB)
    expect(Math.abs(trend.slopeMiBPerMinute)).toBeLessThan(5)
  })

  it('sees a leak when memory keeps climbing', () => {
    const trend = memoryTrend(readings([60, 70, 80, 90, 100, 110, 120, 130, 140]))
    expect(trend.plateaued).toBe(false)
    expect(trend.slopeMiBPerMinute).toBeCloseTo(60, 5)
  })

  it('needs enough readings to tell', () => {
    expect(() => memoryTrend(readings([1, 2, 3]))).toThrow(/at least 6/)
  })
})

describe('memoryFromMetrics', () => {
  it("reads RSS and heap from prom-client's default metrics", () => {
    const text = [
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      'process_resident_memory_bytes 123456789',
      'nodejs_heap_size_used_bytes{app="x"} 4.5e7',
    ].join('\n')
    expect(memoryFromMetrics(text, 7)).toEqual({ atSeconds: 7, rssBytes: 123456789, heapUsedBytes: 45_000_000 })
  })

  it('gives nothing when a metric is missing', () => {
    expect(memoryFromMetrics('process_resident_memory_bytes 1', 0)).toBeUndefined()
  })
})
