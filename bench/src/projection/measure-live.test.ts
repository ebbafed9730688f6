import { describe, expect, it } from 'vitest'
import { liveLatencies } from './measure-live.js'

describe('liveLatencies', () => {
  it('pairs each event with its append and its commit, counting the unpaired', () => {
    const appended = new Map([
      [1, 10],
      [2, 10],
      [3, 10],
    ])
    const applied = new Map([
      [1, 14.5],
      [3, 12],
    ])
    expect(liveLatencies([1, 2, 3], appended, applied)).toEqual({ latencies: [4.5, 2], unapplied: 1, early: 0 })
  })

  it('counts an event applied before its append returned as 0 ms, and says so', () => {
    expect(liveLatencies([7], new Map([[7, 20]]), new Map([[7, 19]]))).toEqual({
      latencies: [0],
      unapplied: 0,
      early: 1,
    })
  })

  it('only looks at the events asked for, and an append that never resolved is unapplied', () => {
    const applied = new Map([
      [1, 5],
      [2, 5],
    ])
    expect(liveLatencies([2], new Map(), applied)).toEqual({ latencies: [], unapplied: 1, early: 0 })
  })
})
