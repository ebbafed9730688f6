import { describe, expect, it } from 'vitest'
import { isUuid, uuidv7 } from './event-id.js'

describe('uuidv7', () => {
  it('makes version-7, RFC-variant UUIDs that carry the time', () => {
    const id = uuidv7(0x0193a5c27f4e)
    expect(isUuid(id)).toBe(true)
    expect(id.slice(0, 13)).toBe('0193a5c2-7f4e')
    expect(id[14]).toBe('7')
    expect(['8', '9', 'a', 'b']).toContain(id[19])
  })

  it('sorts by time and does not repeat', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => uuidv7(1_700_000_000_000 + i))
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
  })

  it('rejects strings that are not UUIDs', () => {
    for (const bad of ['', 'abc', '0193a5c2-7f4e-7c1a-9d3b-5e6f7a8b9c0', '0193a5c2x7f4e-7c1a-9d3b-5e6f7a8b9c0d'])
      expect(isUuid(bad)).toBe(false)
  })
})
