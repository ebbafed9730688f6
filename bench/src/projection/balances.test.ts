import { describe, expect, it } from 'vitest'
import { DEPOSITED, depositOf, depositStreams, liveDeposit, sumDeposits } from './balances.js'

describe('depositStreams', () => {
  it('makes streams of numbered deposits', () => {
    const streams = depositStreams(2, 3)
    expect(streams.map((s) => s.streamId)).toEqual(['acct-0', 'acct-1'])
    expect(streams[1]?.events.map((e) => [e.type, e.data.amount])).toEqual([
      [DEPOSITED, 1],
      [DEPOSITED, 2],
      [DEPOSITED, 3],
    ])
  })
})

describe('depositOf', () => {
  it('reads the amount, and the seq of a live deposit', () => {
    expect(depositOf(depositStreams(1, 1)[0]?.events[0]?.data)).toEqual({ amount: 1, seq: undefined })
    expect(depositOf(liveDeposit('acct-9', 42).data)).toEqual({ amount: 1, seq: 42 })
  })

  it('refuses data without a numeric amount', () => {
    expect(() => depositOf({ amount: '5' })).toThrow(/numeric amount/)
    expect(() => depositOf(null)).toThrow(/numeric amount/)
  })
})

describe('sumDeposits', () => {
  it('sums the amounts per stream, in the order streams first appear, and keeps the seqs', () => {
    const events = [
      { streamId: 'b', data: { amount: 2 } },
      { streamId: 'a', data: liveDeposit('a', 7).data },
      { streamId: 'b', data: { amount: 5 } },
    ]
    expect(sumDeposits(events)).toEqual({ streamIds: ['b', 'a'], totals: [7, 1], seqs: [7] })
    expect(sumDeposits([])).toEqual({ streamIds: [], totals: [], seqs: [] })
  })
})
