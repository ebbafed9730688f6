import { describe, expect, it } from 'vitest'
import { drillPoint, microsOf } from './backup-drill.js'

describe('microsOf', () => {
  it('keeps the microseconds a Date would drop', () => {
    expect(microsOf('2026-12-02T14:20:15.097123Z') - microsOf('2026-12-02T14:20:15.097Z')).toBe(123)
    expect(microsOf('2026-12-02T14:20:15Z')).toBe(Date.parse('2026-12-02T14:20:15Z') * 1000)
    expect(microsOf('2026-12-02T15:20:15.5+01:00')).toBe(Date.parse('2026-12-02T14:20:15.5Z') * 1000)
  })

  it('refuses what is not an ISO 8601 time', () => {
    expect(() => microsOf('2026-12-02 14:20:15')).toThrow(/not an ISO 8601 time/)
  })
})

describe('drillPoint', () => {
  // Global order is not time order: a transaction's time is when it began, not when it committed.
  const times = [
    '2026-12-02T10:00:00.000100Z',
    '2026-12-02T10:00:00.000300Z',
    '2026-12-02T10:00:00.000200Z',
    '2026-12-02T10:00:00.002500Z',
    '2026-12-02T10:00:00.000900Z',
    '2026-12-02T10:00:00.003000Z',
  ]
  async function* listed(values: readonly string[]) {
    yield* values
  }
  const all = () => listed(times)

  it("takes the middle event's time, rounded up to the millisecond, and counts every event by then", async () => {
    const point = await drillPoint(all, { events: times.length })
    expect(point.index).toBe(3)
    expect(point.toTime.toISOString()).toBe('2026-12-02T10:00:00.003Z')
    expect(point.expected).toBe(6)
    const early = await drillPoint(all, { events: 4 })
    expect(early.toTime.toISOString()).toBe('2026-12-02T10:00:00.001Z') // event 3's .0002, rounded up
    expect(early.expected).toBe(4) // events 1, 2, 3 and 5 (later in order, earlier in time)
  })

  it('refuses a backup that holds fewer events than it states', async () => {
    await expect(drillPoint(() => listed(times.slice(0, 4)), { events: 10 })).rejects.toThrow(
      /holds 4 events, not the 10/,
    )
  })
})
