import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { requestFingerprint } from './idempotency-fingerprint.js'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

describe('request fingerprints', () => {
  it('ignores key order at every level', () => {
    expect(requestFingerprint('post', '/u', { b: [{ y: 1, x: 2 }], a: null })).toBe(
      requestFingerprint('POST', '/u', { a: null, b: [{ x: 2, y: 1 }] }),
    )
  })

  it('hashes the same canonical text as before: sorted keys, integer-like keys first, undefined left out', () => {
    const body = { b: 1, 10: 'ten', a: [1, 'x', null, { d: true, c: undefined }], 2: 'two', e: 'é\u2028' }
    const canonical = '{"2":"two","10":"ten","a":[1,"x",null,{"d":true}],"b":1,"e":"é\u2028"}'
    expect(requestFingerprint('POST', '/u', body)).toBe(sha(`POST /u\n${canonical}`))
    expect(requestFingerprint('POST', '/u', undefined)).toBe(sha('POST /u\n'))
    expect(requestFingerprint('POST', '/u', 'text')).toBe(sha('POST /u\n"text"'))
  })

  it('hashes a body nested 100,000 levels deep without overflowing the stack', () => {
    let deep: unknown = 'bottom'
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { a: deep }
    expect(requestFingerprint('POST', '/u', deep)).toMatch(/^[0-9a-f]{64}$/)
  })
})
