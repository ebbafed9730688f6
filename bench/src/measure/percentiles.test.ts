import { describe, expect, it } from 'vitest'
import { percentile, summarizeLatencies } from './percentiles.js'

describe('percentile', () => {
  it('takes the nearest rank: the smallest sample that p % of the samples do not exceed', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(sorted, 50)).toBe(50)
    expect(percentile(sorted, 95)).toBe(95)
    expect(percentile(sorted, 99)).toBe(99)
    expect(percentile(sorted, 100)).toBe(100)
  })

  it('returns the only sample for any percentile of one sample', () => {
    expect(percentile([7], 1)).toBe(7)
    expect(percentile([7], 99)).toBe(7)
  })

  it('returns NaN when there are no samples', () => {
    expect(percentile([], 50)).toBeNaN()
  })
})

describe('summarizeLatencies', () => {
  it('sorts numerically, not as text, and leaves the input alone', () => {
    const samples = [10, 9, 100, 1, 2]
    expect(summarizeLatencies(samples)).toEqual({ p50: 9, p95: 100, p99: 100 })
    expect(samples).toEqual([10, 9, 100, 1, 2])
  })

  it('finds the tail of a skewed distribution', () => {
    const samples = [...Array.from({ length: 990 }, () => 1), ...Array.from({ length: 10 }, () => 50)]
    expect(summarizeLatencies(samples)).toEqual({ p50: 1, p95: 1, p99: 1 })
    expect(summarizeLatencies([...samples, 50, 50]).p99).toBe(50)
  })
})
