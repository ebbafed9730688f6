import { describe, expect, it } from 'vitest'
import { runAtFixedRate } from './fixed-rate.js'

/** A clock that only moves when the run sleeps. */
function fakeTime() {
  let t = 1000
  const advance = (ms: number) => {
    t += ms
  }
  return { now: () => t, sleep: async (ms: number) => advance(ms), advance }
}

describe('runAtFixedRate', () => {
  it('sends rate × seconds requests, each due on its slot', async () => {
    const time = fakeTime()
    const samples = await runAtFixedRate({
      rate: 10,
      durationMs: 1000,
      maxInFlight: 4,
      plan: () => ({ op: 'get', send: async () => 200 }),
      now: time.now,
      sleep: time.sleep,
    })
    expect(samples.map((s) => s.dueMs)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900])
    expect(samples.every((s) => s.status === 200 && s.op === 'get')).toBe(true)
  })

  it('charges a late answer from when it was due, not from when it was sent', async () => {
    const time = fakeTime()
    const samples = await runAtFixedRate({
      rate: 1,
      durationMs: 2000,
      maxInFlight: 4,
      plan: (n) => ({
        op: 'slow',
        send: async () => {
          time.advance(n === 0 ? 1500 : 10) // the first answer holds the loop past the second's slot
          return 200
        },
      }),
      now: time.now,
      sleep: time.sleep,
    })
    // The second request went out 500 ms after its slot; it is charged those 500 ms. (The first
    // answer is recorded when the loop next yields, after the second request's 10 ms.)
    expect(samples.map((s) => s.latencyMs)).toEqual([1510, 510])
  })

  it('records requests it cannot send while too many are in flight as dropped', async () => {
    const time = fakeTime()
    let release = () => {}
    const run = runAtFixedRate({
      rate: 10,
      durationMs: 500,
      maxInFlight: 1,
      plan: () => ({ op: 'held', send: () => new Promise<number>((resolve) => (release = () => resolve(200))) }),
      now: time.now,
      sleep: time.sleep,
    })
    await new Promise((resolve) => setTimeout(resolve, 0)) // the whole schedule has been gone through
    release()
    expect((await run).map((s) => s.status)).toEqual(['dropped', 'dropped', 'dropped', 'dropped', 200])
  })

  it('records a request that fails without an answer as an error', async () => {
    const time = fakeTime()
    const samples = await runAtFixedRate({
      rate: 2,
      durationMs: 1000,
      maxInFlight: 4,
      plan: (n) => ({ op: 'x', send: async () => (n === 1 ? Promise.reject(new Error('refused')) : 204) }),
      now: time.now,
      sleep: time.sleep,
    })
    expect(samples.map((s) => s.status)).toEqual([204, 'error'])
  })

  it('refuses a rate that is not positive', async () => {
    await expect(
      runAtFixedRate({ rate: 0, durationMs: 1000, maxInFlight: 1, plan: () => ({ op: 'x', send: async () => 200 }) }),
    ).rejects.toThrow(RangeError)
  })
})
