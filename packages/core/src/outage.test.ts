import { describe, expect, it } from 'vitest'
import { BusinessRuleError, ConcurrencyError, StoreUnavailableError, TimeoutError, ValidationError } from './errors.js'
import { isOutage, outageDelay } from './outage.js'

describe('isOutage', () => {
  const cases: Array<[string, unknown, boolean]> = [
    ['a transient store error', new StoreUnavailableError('reset', { transient: true }), true],
    ['a refused login (fixable while waiting)', new StoreUnavailableError('auth', { transient: false }), true],
    [
      'an open circuit',
      new StoreUnavailableError('open', { transient: true, code: 'ERR_EVENTCORE_CIRCUIT_OPEN', retryAfterMs: 10 }),
      true,
    ],
    ['a timeout', new TimeoutError(100), true],
    ['a driver error the store did not classify', new Error('Connection terminated unexpectedly'), true],
    ['a validation error', new ValidationError([{ path: 'limit', message: 'bad' }]), false],
    ['a business rule', new BusinessRuleError('no'), false],
    ['a conflict', new ConcurrencyError([]), false],
  ]
  for (const [what, error, expected] of cases) {
    it(`is ${expected} for ${what}`, () => {
      expect(isOutage(error)).toBe(expected)
    })
  }
})

describe('outageDelay', () => {
  const backoff = { minMs: 100, maxMs: 1000 }
  const cases: Array<[number, number, unknown, number]> = [
    [1, 0, undefined, 50], // half of minMs at the lowest jitter
    [1, 1, undefined, 100],
    [3, 1, undefined, 400], // doubling
    [10, 1, undefined, 1000], // capped
    [1, 0, new StoreUnavailableError('open', { transient: true, retryAfterMs: 700 }), 700], // the hint wins
    [1, 0, new StoreUnavailableError('open', { transient: true, retryAfterMs: 60_000 }), 1000], // still capped
  ]
  for (const [attempt, jitter, error, expected] of cases) {
    it(`waits ${expected} ms after failure ${attempt} (jitter ${jitter})`, () => {
      expect(outageDelay(attempt, backoff, error, () => jitter)).toBe(expected)
    })
  }
})
