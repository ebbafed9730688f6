import { describe, expect, it } from 'vitest'
import { errorMessage } from './error-message.js'

describe('errorMessage', () => {
  it("is an error's message, or anything else as a string", () => {
    expect(errorMessage(new Error('connection refused'))).toBe('connection refused')
    expect(errorMessage('timeout')).toBe('timeout')
    expect(errorMessage(42)).toBe('42')
  })
})
