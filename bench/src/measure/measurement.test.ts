import { describe, expect, it } from 'vitest'
import { measurementOf } from './measurement.js'

describe('measurementOf', () => {
  it('divides the count by the elapsed seconds and summarizes the latencies', () => {
    expect(measurementOf(20, 2000, [3, 1, 2])).toEqual({
      rate: 10,
      count: 20,
      elapsedMs: 2000,
      latency: { p50: 2, p95: 3, p99: 3 },
      retries: 0,
    })
  })

  it('has a rate of 0 when no time passed', () => {
    expect(measurementOf(0, 0, []).rate).toBe(0)
  })

  it('carries retries, and a note only when there is one', () => {
    expect(measurementOf(1, 1, [1], { retries: 4, note: 'short read' })).toMatchObject({
      retries: 4,
      note: 'short read',
    })
    expect(measurementOf(1, 1, [1], { note: '' })).not.toHaveProperty('note')
    expect(measurementOf(1, 1, [1], { note: undefined })).not.toHaveProperty('note')
  })
})
