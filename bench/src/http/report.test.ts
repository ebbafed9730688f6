import { describe, expect, it } from 'vitest'
import type { Outcome } from '../measure/measurement.js'
import { type HttpResultRow, httpGroup, httpTargets, renderHttpSection } from './report.js'

const measured = (rate: number, p95: number, note?: string): Outcome => ({
  rate,
  count: rate * 3,
  elapsedMs: 3000,
  latency: { p50: p95 / 2, p95, p99: p95 * 1.5 },
  retries: 0,
  ...(note ? { note } : {}),
})

function row(request: 'register' | 'get', connections: number, us: boolean, outcome: Outcome): HttpResultRow {
  return {
    group: httpGroup(request, connections),
    contender: us ? 'EventCore users service' : 'bare Fastify + pg',
    role: us ? 'us' : 'raw',
    outcome,
    request,
    connections,
    non2xx: 'missing' in outcome ? undefined : 0,
    errors: 0,
  }
}

describe('httpTargets', () => {
  it('compares register and get with the bare route at each connection count; p95 of register at each, of get at 8', () => {
    const rows = [
      row('register', 8, true, measured(700, 24.9)),
      row('register', 8, false, measured(1000, 3)),
      row('register', 32, true, measured(690, 80)),
      row('register', 32, false, measured(1000, 9)),
      row('get', 8, true, measured(2400, 25)),
      row('get', 8, false, measured(3000, 1)),
      row('get', 32, true, measured(2370, 30)),
      row('get', 32, false, measured(3000, 4)),
    ]
    expect(httpTargets(rows, [8, 32])).toEqual([
      'EventCore register ≥ 70 % of bare Fastify + pg at 8 connections: 70 % — met',
      'EventCore register ≥ 70 % of bare Fastify + pg at 32 connections: 69 % — MISSED',
      'EventCore get ≥ 80 % of bare Fastify + pg at 8 connections: 80 % — met',
      'EventCore get ≥ 80 % of bare Fastify + pg at 32 connections: 79 % — MISSED',
      'EventCore register p95 < 25 ms at 8 connections: 24.9 ms — met',
      'EventCore register p95 < 25 ms at 32 connections: 80.0 ms — MISSED',
      'EventCore get p95 < 25 ms at 8 connections: 25.0 ms — MISSED',
    ])
  })

  it('says not measured when a side is missing', () => {
    const rows = [row('register', 8, true, measured(700, 10)), row('register', 8, false, { missing: 'failed' })]
    expect(httpTargets(rows, [8])).toEqual([
      'EventCore register ≥ 70 % of bare Fastify + pg at 8 connections: not measured',
      'EventCore get ≥ 80 % of bare Fastify + pg at 8 connections: not measured',
      'EventCore register p95 < 25 ms at 8 connections: 10.0 ms — met',
      'EventCore get p95 < 25 ms at 8 connections: not measured',
    ])
  })
})

describe('renderHttpSection', () => {
  it('prints one line per server, the ratio on ours, non-2xx and the notes', () => {
    const text = renderHttpSection({
      title: '8. HTTP',
      rows: [
        { ...row('register', 8, true, measured(800, 12, 'projection caught up 4.00 ms after')), non2xx: 2, errors: 1 },
        row('register', 8, false, measured(1600, 3)),
        row('get', 8, true, { missing: 'failed to start: boom' }),
      ],
      notes: ['a note'],
      targets: ['a target'],
    })
    const lines = text.split('\n')
    expect(lines[0]).toBe('8. HTTP')
    expect(lines[1]).toMatch(
      /request\s+connections\s+server\s+requests\/s\s+vs bare\s+p50 ms\s+p95 ms\s+p99 ms\s+non-2xx/,
    )
    expect(lines[3]).toMatch(/POST \/users\s+8\s+EventCore users service\s+800\s+0\.50×\s+6\.00\s+12\.0\s+18\.0\s+2/)
    expect(lines[3]).toContain('projection caught up 4.00 ms after; 1 requests without an answer')
    expect(lines[4]).toMatch(/^\s+bare Fastify \+ pg\s+1,600\s+1\.50\s+3\.00\s+4\.50\s+0$/)
    expect(lines[5]).toMatch(/GET \/users\/:id\s+8\s+EventCore users service\s+n\/a\s+failed to start: boom$/)
    expect(lines.slice(-2)).toEqual(['  · a note', '  target: a target'])
  })
})
