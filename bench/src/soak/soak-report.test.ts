import { describe, expect, it } from 'vitest'
import type { RateSample } from './fixed-rate.js'
import { memoryTrend } from './memory-trend.js'
import { countStatuses, renderSoakReport } from './soak-report.js'
import { readSoakSettings } from './soak-settings.js'
import { MIX, pickOp } from './soak-workload.js'

const sample = (op: string, status: RateSample['status'], latencyMs = 1): RateSample => ({
  op,
  dueMs: 0,
  latencyMs,
  status,
})

describe('the soak report', () => {
  it('counts answers by class, failures to answer and requests not sent apart', () => {
    const counts = countStatuses([
      sample('get', 200),
      sample('get', 304),
      sample('get', 404),
      sample('register', 503),
      sample('register', 'error'),
      sample('list', 'dropped'),
    ])
    expect(counts).toEqual({ total: 6, ok: 2, clientErrors: 1, serverErrors: 1, errors: 1, dropped: 1 })
  })

  it('shows each operation, the memory verdict and the lost and duplicated writes', () => {
    const readings = Array.from({ length: 6 }, (_, i) => ({
      atSeconds: i * 5,
      rssBytes: 100 * 2 ** 20,
      heapUsedBytes: 1,
    }))
    const text = renderSoakReport({
      rate: 10,
      durationMs: 30_000,
      samples: [sample('get', 200, 3), sample('register', 201, 9)],
      readings,
      trend: memoryTrend(readings),
      acknowledged: 1,
      lost: 0,
      duplicated: 0,
    })
    expect(text).toMatch(/\| get \| 1 \|/)
    expect(text).toMatch(/\| register \| 1 \|/)
    expect(text).toContain('**plateaued**')
    expect(text).toContain('lost (not readable afterwards): **0**')
  })
})

describe('the soak settings and mix', () => {
  it('reports every bad setting at once', () => {
    expect(() => readSoakSettings({ EVENTCORE_SOAK_SECONDS: 'x', EVENTCORE_SOAK_RATE: '0' })).toThrow(
      /EVENTCORE_SOAK_SECONDS.*EVENTCORE_SOAK_RATE/,
    )
  })

  it('defaults to three minutes at 150 requests per second', () => {
    const settings = readSoakSettings({})
    expect([settings.durationMs, settings.rate, settings.sampleMs]).toEqual([180_000, 150, 5000])
  })

  it('picks operations by their shares', () => {
    expect(MIX.reduce((sum, m) => sum + m.share, 0)).toBeCloseTo(1, 10)
    expect([0, 0.19, 0.2, 0.69, 0.7, 0.89, 0.9, 0.999].map(pickOp)).toEqual([
      'register',
      'register',
      'get',
      'get',
      'list',
      'list',
      'rename',
      'rename',
    ])
  })
})
