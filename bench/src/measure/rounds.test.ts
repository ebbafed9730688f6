import { describe, expect, it } from 'vitest'
import type { Measurement } from './measurement.js'
import { medianRound, rotate, takeTurns } from './rounds.js'

const at = (rate: number): Measurement => ({
  rate,
  count: 1,
  elapsedMs: 1,
  latency: { p50: rate, p95: rate, p99: rate },
  retries: 0,
})

describe('medianRound', () => {
  it('picks the middle round by rate, the lower middle for an even count', () => {
    expect(medianRound([at(3), at(1), at(2)]).rate).toBe(2)
    expect(medianRound([at(4), at(1), at(3), at(2)]).rate).toBe(2)
  })
})

describe('takeTurns', () => {
  it('starts each round with the next contender and reports a failure once', async () => {
    const order: string[] = []
    const turn = (key: string, fail = false) => ({
      key,
      run: async () => {
        order.push(key)
        if (fail) throw new Error('boom')
        return at(order.length)
      },
    })
    const outcomes = await takeTurns([turn('a'), turn('b'), turn('c', true)], { rounds: 3 })
    expect(order).toEqual(['a', 'b', 'c', 'b', 'a', 'a', 'b'])
    expect(outcomes.get('c')).toEqual({ missing: 'failed: boom' })
    expect(outcomes.get('a')).toMatchObject({ rate: 5 })
  })

  it('rotates without losing items', () => {
    expect(rotate([1, 2, 3], 4)).toEqual([2, 3, 1])
  })
})
