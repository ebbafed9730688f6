import { describe, expect, it } from 'vitest'
import { tamperedToken } from './smoke.js'

describe('tamperedToken', () => {
  it('changes exactly one character, in the middle of the signature, keeping header and payload', () => {
    const token = 'aGVhZGVy.cGF5bG9hZA.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU'
    const tampered = tamperedToken(token)
    const [header, payload, signature = ''] = tampered.split('.')
    expect([header, payload]).toEqual(['aGVhZGVy', 'cGF5bG9hZA'])
    const original = token.split('.')[2] ?? ''
    const changed = [...signature].flatMap((char, at) => (char === original[at] ? [] : [at]))
    expect(changed).toEqual([Math.floor(original.length / 2)])
  })

  it('changes an A too (into a B)', () => {
    expect(tamperedToken('h.p.xxAxx')).toBe('h.p.xxBxx')
  })
})
