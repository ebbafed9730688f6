import { describe, expect, it } from 'vitest'
import { fillSql, type LogShape, logProblem, streamsFor } from './fill.js'

const shape: LogShape = {
  events: 1000,
  streams: 50,
  transactions: 180,
  brokenStreams: 0,
  lastPosition: 1000,
  dataBytes: 300,
  metadataBytes: 150,
}

describe('logProblem', () => {
  it('accepts a log of the expected size with whole streams, and names what is wrong otherwise', () => {
    expect(logProblem(shape, 1000)).toBeUndefined()
    expect(logProblem(shape, 1001)).toBe('1000 events instead of 1001')
    expect(logProblem({ ...shape, brokenStreams: 2 }, 1000)).toBe('2 streams with a gap in their versions')
  })
})

describe('fillSql', () => {
  it('spreads the log over about 20 events per stream', () => {
    expect(streamsFor(1_000_000)).toBe(50_000)
    expect(streamsFor(10)).toBe(2)
    expect(fillSql('eventcore', 1000, { streamPrefix: 'account-1-', seed: 0.4 })).toContain(
      'streams constant int := 50;',
    )
  })

  it('refuses what it would paste into SQL unchecked', () => {
    const part = { streamPrefix: 'account-1-', seed: 0.4 }
    expect(() => fillSql('x; DROP', 1000, part)).toThrow(/schema/)
    expect(() => fillSql('eventcore', 1.5, part)).toThrow(/number of events/)
    expect(() => fillSql('eventcore', 10, { streamPrefix: "a'", seed: 0 })).toThrow(/stream prefix/)
    expect(() => fillSql('eventcore', 10, { streamPrefix: 'a', seed: 2 })).toThrow(/setseed/)
  })
})
