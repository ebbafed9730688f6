import { StoreUnavailableError, ValidationError } from '@eventcore/core'
import { describe, expect, it } from 'vitest'
import { isConnectionError, storeError } from './store-errors.js'

const pgError = (code: string, message = 'server said no') => Object.assign(new Error(message), { code })

describe('storeError', () => {
  it.each([
    ['22P05', 'unsupported Unicode escape sequence'],
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22P02', 'invalid input syntax for type json'],
    ['22003', 'value out of range'],
    ['54000', 'index row size exceeds the maximum'],
  ])('calls the data error %s validation, never unavailability', (code, message) => {
    const error = storeError('append', pgError(code, message))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toContain(code)
  })

  it.each([
    ['57P01', true],
    ['08006', true],
    ['40001', true],
    ['53300', true],
    ['57014', false],
    ['25006', false],
    ['53100', false],
    ['42P01', false],
  ])('calls %s store-unavailable (transient: %s)', (code, transient) => {
    const error = storeError('append', pgError(code))
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(error).toMatchObject({ kind: 'store-unavailable', transient })
  })

  it('calls a dropped socket transient store-unavailable and a connection error', () => {
    const dropped = new Error('Connection terminated unexpectedly')
    expect(storeError('readStream', dropped)).toMatchObject({ kind: 'store-unavailable', transient: true })
    expect(isConnectionError(dropped)).toBe(true)
    expect(isConnectionError(pgError('40001'))).toBe(false)
  })
})
