import { StoreUnavailableError, TimeoutError, ValidationError } from '@eventcore/core'
import { describe, expect, it } from 'vitest'
import { problemFor } from './problem.js'

describe('problemFor and Retry-After', () => {
  const cases: Array<[string, unknown, number | undefined, RegExp]> = [
    [
      'an open circuit breaker: its own hint, rounded up',
      new StoreUnavailableError('x', { transient: true, code: 'ERR_EVENTCORE_CIRCUIT_OPEN', retryAfterMs: 2500 }),
      3,
      /refused while it recovers/,
    ],
    [
      'an overloaded executor',
      new StoreUnavailableError('x', { transient: true, code: 'ERR_EVENTCORE_OVERLOADED', retryAfterMs: 1000 }),
      1,
      /as many commands as it can/,
    ],
    [
      'a store outage without a hint: 1 s, and no host in the detail',
      new StoreUnavailableError('connect ECONNREFUSED 10.0.0.7:5432', { transient: true }),
      1,
      /^the event store is unavailable; retry later$/,
    ],
    ['a timeout', new TimeoutError(5000), 1, /5000 ms/],
    ['a validation error: no retry hint', new ValidationError([{ path: 'a', message: 'bad' }]), undefined, /bad/],
  ]
  for (const [what, error, seconds, detail] of cases) {
    it(`answers ${what}`, () => {
      const problem = problemFor(error)
      expect(problem.retryAfterSeconds).toBe(seconds)
      expect(problem.detail).toMatch(detail)
      if (seconds !== undefined) expect(problem.status).toBe(503)
    })
  }

  it('keeps the stable code of each kind of refusal', () => {
    const overloaded = new StoreUnavailableError('x', { transient: true, code: 'ERR_EVENTCORE_OVERLOADED' })
    expect(problemFor(overloaded)).toMatchObject({
      type: 'urn:eventcore:problem:store-unavailable',
      code: 'ERR_EVENTCORE_OVERLOADED',
    })
  })
})
