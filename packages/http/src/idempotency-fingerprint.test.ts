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

describe('the request fingerprint', () => {
  it('ignores the order of keys in the body, at any depth', () => {
    expect(requestFingerprint('POST', '/users', { a: 1, b: { c: [1, { d: 2, e: 3 }] } })).toBe(
      requestFingerprint('post', '/users', { b: { c: [1, { e: 3, d: 2 }] }, a: 1 }),
    )
  })

  it('tells apart the method, the URL, the body and no body', () => {
    const prints = [
      requestFingerprint('POST', '/users', { a: 1 }),
      requestFingerprint('PATCH', '/users', { a: 1 }),
      requestFingerprint('POST', '/users?x', { a: 1 }),
      requestFingerprint('POST', '/users', { a: 2 }),
      requestFingerprint('POST', '/users', [1]),
      requestFingerprint('POST', '/users', undefined),
    ]
    expect(new Set(prints).size).toBe(prints.length)
  })
})
