import { describe, expect, it } from 'vitest'
import { readSettings } from './settings.js'

describe('readSettings for the HTTP operation', () => {
  it('measures HTTP rows for EVENTCORE_BENCH_SECONDS, but at least 3 s, after half a second', () => {
    expect(readSettings({})).toMatchObject({ httpDurationMs: 3000, httpWarmupMs: 500 })
    expect(readSettings({ EVENTCORE_BENCH_SECONDS: '5' })).toMatchObject({ httpDurationMs: 5000, httpWarmupMs: 500 })
  })

  it('accepts operation 8 when told there are eight', () => {
    expect(readSettings({ EVENTCORE_BENCH_ONLY: '8' }, 8).only).toEqual([8])
    expect(() => readSettings({ EVENTCORE_BENCH_ONLY: '9' }, 8)).toThrow(/1–8 separated by commas, got '9'/)
  })
})
