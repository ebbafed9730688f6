import { describe, expect, it } from 'vitest'
import { percentile, roundMs } from './latency.js'

describe('percentile', () => {
  it('takes the nearest rank, whatever the order of the values', () => {
    const values = [9, 1, 5, 3, 7, 2, 8, 4, 10, 6]
    expect(percentile(values, 50)).toBe(5)
    expect(percentile(values, 95)).toBe(10)
    expect(percentile(values, 10)).toBe(1)
    expect(percentile([42], 99)).toBe(42)
  })

  it('is NaN for no values (NaN is under no limit: an empty run fails a latency target)', () => {
    expect(percentile([], 95)).toBeNaN()
  })

  it('rounds milliseconds to a tenth', () => {
    expect(roundMs(12.345)).toBe(12.3)
  })
})
