import { describe, expect, it } from 'vitest'
import { parseChildMessage, parseParentMessage, parseServerSpec } from './server-messages.js'

const spec = { kind: 'bare', databaseUrl: 'postgres://h/db', schema: 'bench_x_s8c8_bare', poolSize: 8, jwtSecret: '' }

describe('parseServerSpec', () => {
  it('reads a spec from its JSON', () => {
    expect(parseServerSpec(JSON.stringify(spec))).toEqual(spec)
  })

  it('names every bad field at once', () => {
    const bad = JSON.stringify({ kind: 'nginx', databaseUrl: '', schema: 'Bad-Name', poolSize: 1.5 })
    expect(() => parseServerSpec(bad)).toThrow(
      'bad server spec: kind must be eventcore or bare; databaseUrl must be a non-empty string; schema must be a plain schema name; poolSize must be a positive integer; jwtSecret must be a string',
    )
  })

  it('takes an observed users service’s loopback collector, and nothing else', () => {
    const observed = { ...spec, kind: 'eventcore', otlpUrl: 'http://127.0.0.1:4318' }
    expect(parseServerSpec(JSON.stringify(observed))).toEqual(observed)
    expect(() => parseServerSpec(JSON.stringify({ ...spec, otlpUrl: 'http://10.0.0.5:4318' }))).toThrow(
      'otlpUrl must be an http://127.0.0.1:<port> collector',
    )
  })

  it('refuses text that is not a JSON object', () => {
    expect(() => parseServerSpec('')).toThrow(/not JSON/)
    expect(() => parseServerSpec('[1]')).toThrow(/not a JSON object/)
  })
})

describe('parseChildMessage', () => {
  it('accepts the three messages a child sends', () => {
    expect(parseChildMessage({ type: 'listening', url: 'http://127.0.0.1:1' })).toEqual({
      type: 'listening',
      url: 'http://127.0.0.1:1',
    })
    expect(parseChildMessage({ type: 'failed', message: 'no' })).toEqual({ type: 'failed', message: 'no' })
    expect(parseChildMessage({ type: 'settled', ms: 3 })).toEqual({ type: 'settled', ms: 3 })
    expect(parseChildMessage({ type: 'usage', cpuMicros: 1500 })).toEqual({ type: 'usage', cpuMicros: 1500 })
    expect(parseChildMessage({ type: 'settled', ms: 0, problem: 'behind' })).toEqual({
      type: 'settled',
      ms: 0,
      problem: 'behind',
    })
  })

  it('ignores anything else', () => {
    for (const value of [null, 'listening', { type: 'listening' }, { type: 'settled', ms: null }, { type: 'x' }]) {
      expect(parseChildMessage(value)).toBeUndefined()
    }
  })
})

describe('parseParentMessage', () => {
  it('accepts settle, usage and stop only', () => {
    expect(parseParentMessage({ type: 'settle' })).toEqual({ type: 'settle' })
    expect(parseParentMessage({ type: 'usage' })).toEqual({ type: 'usage' })
    expect(parseParentMessage({ type: 'stop' })).toEqual({ type: 'stop' })
    expect(parseParentMessage({ type: 'kill' })).toBeUndefined()
    expect(parseParentMessage(undefined)).toBeUndefined()
  })
})
