import { describe, expect, it } from 'vitest'
import type { ResultRow } from './report.js'
import { bestOfRole, latencyTarget, measuredRole, notWorseTarget, ratioTarget } from './targets.js'

describe('latencyTarget', () => {
  it('is met strictly under the bound', () => {
    expect(latencyTarget('live p99 < 50 ms', 12.34, 50)).toBe('live p99 < 50 ms: 12.3 ms — met')
    expect(latencyTarget('live p99 < 50 ms', 50, 50)).toBe('live p99 < 50 ms: 50.0 ms — MISSED')
  })

  it('says when there is no value', () => {
    expect(latencyTarget('x', undefined, 50)).toBe('x: not measured')
    expect(latencyTarget('x', Number.NaN, 50)).toBe('x: not measured')
  })
})

describe('measuredRole', () => {
  it('finds the measured row of a role in a group', () => {
    const measured = { rate: 1, count: 1, elapsedMs: 1, latency: { p50: 1, p95: 2, p99: 3 }, retries: 0 }
    const rows: ResultRow[] = [
      { group: 'a', contender: 'ours', role: 'us', outcome: { missing: 'n/a' } },
      { group: 'b', contender: 'ours', role: 'us', outcome: measured },
    ]
    expect(measuredRole(rows, 'a', 'us')).toBeUndefined()
    expect(measuredRole(rows, 'b', 'us')).toBe(measured)
  })
})

describe('bestOfRole', () => {
  it('picks the fastest measured row of a role in a group', () => {
    const at = (rate: number) => ({ rate, count: 1, elapsedMs: 1, latency: { p50: 1, p95: 2, p99: 3 }, retries: 0 })
    const rows: ResultRow[] = [
      { group: 'a', contender: 'ours', role: 'us', outcome: at(5) },
      { group: 'a', contender: 'ours, batched', role: 'us', outcome: at(20) },
      { group: 'a', contender: 'ours, broken', role: 'us', outcome: { missing: 'failed' } },
      { group: 'a', contender: 'raw', role: 'raw', outcome: at(50) },
      { group: 'b', contender: 'ours', role: 'us', outcome: at(99) },
    ]
    expect(bestOfRole(rows, 'a', 'us')?.contender).toBe('ours, batched')
    expect(bestOfRole(rows, 'c', 'us')).toBeUndefined()
  })
})

describe('ratioTarget', () => {
  it('is met at the threshold, or only above it when asked', () => {
    expect(ratioTarget('x ≥ 1.5× raw', 1.5, 1.5)).toBe('x ≥ 1.5× raw: 1.50× — met')
    expect(ratioTarget('x ≥ 1.5× raw', 1.49, 1.5)).toBe('x ≥ 1.5× raw: 1.49× — MISSED')
    expect(ratioTarget('x above pgbench', 1, 1, { above: true })).toBe('x above pgbench: 1.00× — MISSED')
    expect(ratioTarget('x above pgbench', 1.01, 1, { above: true })).toBe('x above pgbench: 1.01× — met')
    expect(ratioTarget('x', undefined, 1)).toBe('x: not measured')
  })
})

describe('notWorseTarget', () => {
  it('is met up to and at the bound', () => {
    expect(notWorseTarget('p99', 2.4, 2.4)).toBe('p99: 2.40 ms vs 2.40 ms — met')
    expect(notWorseTarget('p99', 2.5, 2.4)).toBe('p99: 2.50 ms vs 2.40 ms — MISSED')
    expect(notWorseTarget('p99', 2.5, undefined)).toBe('p99: not measured')
  })
})
