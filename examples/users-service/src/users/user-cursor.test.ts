import { ValidationError } from '@eventcore/core'
import { describe, expect, it } from 'vitest'
import { decodeUserCursor, encodeUserCursor } from './user-cursor.js'

const cursorOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url')

describe('user cursors', () => {
  it('gives back the user id it was made from', () => {
    const id = '0199a6e4-1234-7abc-8def-0123456789ab'
    expect(decodeUserCursor(encodeUserCursor(id))).toBe(id)
  })

  it.each([
    ['a NUL byte', 'YQBi'],
    ['a control character', cursorOf('a\tb')],
    ['a quote', cursorOf("a'b")],
    ['a space', cursorOf('a b')],
    ['an id longer than 64 characters', cursorOf('a'.repeat(65))],
    ['nothing', ''],
  ])('refuses one that decodes to %s, naming the parameter', (_, cursor) => {
    expect(() => decodeUserCursor(cursor, 'after')).toThrow(ValidationError)
    expect(() => decodeUserCursor(cursor, 'after')).toThrow(/after: is not a cursor this API returned/)
  })
})
