import { describe, expect, it } from 'vitest'
import { measurementOf } from '../measure/measurement.js'
import {
  cpuRatio,
  type ObservabilityRow,
  observabilityTargets,
  observedShare,
  renderObservabilitySection,
} from './observability-cost.js'

const row = (observability: 'off' | 'on', rate: number, cpuMicrosPerRequest?: number): ObservabilityRow => ({
  observability,
  outcome: measurementOf(rate * 3, 3000, [2, 4, 8]),
  non2xx: 0,
  cpuMicrosPerRequest,
})

describe('the observability table', () => {
  it('divides the observed rates by the unobserved ones and judges the 10 % target', () => {
    const rows = [row('off', 1000, 800), row('on', 950, 840)]
    expect(observedShare(rows)).toBeCloseTo(0.95)
    expect(cpuRatio(rows)).toBeCloseTo(1.05)
    expect(observabilityTargets(rows)).toEqual([
      'observability costs ≤ 10 % of register throughput (observed ≥ 90 % of all off): 95 % — met',
      "the same by the server's CPU time per request (all off's over observed's ≥ 90 %): 95 % — met",
    ])
    expect(observabilityTargets([row('off', 1000, 800), row('on', 850, 1000)])).toEqual([
      'observability costs ≤ 10 % of register throughput (observed ≥ 90 % of all off): 85 % — MISSED',
      "the same by the server's CPU time per request (all off's over observed's ≥ 90 %): 80 % — MISSED",
    ])
  })

  it('says not measured when a row is missing, and shows why in its line', () => {
    const rows: ObservabilityRow[] = [
      row('off', 1000),
      { observability: 'on', outcome: { missing: 'failed to start' }, non2xx: undefined },
    ]
    expect(observedShare(rows)).toBeUndefined()
    expect(observabilityTargets(rows)[0]).toMatch(/: not measured$/)
    const text = renderObservabilitySection({ title: '9. x', rows, notes: [], targets: [] })
    expect(text).toContain('failed to start')
    expect(text).toContain('traces + metrics + logs')
  })
})
