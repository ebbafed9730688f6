import { describe, expect, it } from 'vitest'
import type { Measurement } from '../measure/measurement.js'
import { type ResultRow, ratioTo, ratioToContender, renderSection } from './report.js'

const measured = (rate: number, retries = 0): Measurement => ({
  rate,
  count: 1000,
  elapsedMs: 1000,
  latency: { p50: 1, p95: 2, p99: 3 },
  retries,
})

const rows: ResultRow[] = [
  { group: '8', contender: 'EventCore PostgreSQL', role: 'us', outcome: measured(900, 10) },
  { group: '8', contender: 'raw SQL (pg)', role: 'raw', outcome: measured(1000) },
  { group: '8', contender: 'Emmett', role: 'peer', outcome: { missing: 'no such operation' } },
  { group: '8', contender: 'EventCore memory', role: 'embedded', outcome: measured(100_000) },
  { group: '32', contender: 'EventCore PostgreSQL', role: 'us', outcome: measured(1200) },
  { group: '32', contender: 'raw SQL (pg)', role: 'raw', outcome: measured(2400) },
]

describe('ratioTo', () => {
  it('divides by the row of the role in the same group only', () => {
    expect(ratioTo(rows, rows[0] as ResultRow, 'raw')).toBeCloseTo(0.9)
    expect(ratioTo(rows, rows[4] as ResultRow, 'raw')).toBeCloseTo(0.5)
  })

  it('divides by the raw row a row names, when it names one', () => {
    const named: ResultRow[] = [
      ...rows.slice(0, 2),
      { group: '8', contender: 'ours, batched', role: 'us', outcome: measured(3000), vsRaw: 'raw, batched' },
      { group: '8', contender: 'raw, batched', role: 'raw', outcome: measured(4000), vsRaw: 'raw, batched' },
    ]
    expect(ratioTo(named, named[0] as ResultRow, 'raw')).toBeCloseTo(0.9)
    expect(ratioTo(named, named[2] as ResultRow, 'raw')).toBeCloseTo(0.75)
    expect(ratioTo(named, named[3] as ResultRow, 'raw')).toBeCloseTo(1)
    expect(ratioTo(named, { ...(named[2] as ResultRow), vsRaw: 'nobody' }, 'raw')).toBeUndefined()
  })

  it('has no ratio for embedded stores or against a missing row', () => {
    expect(ratioTo(rows, rows[3] as ResultRow, 'raw')).toBeUndefined()
    expect(ratioTo(rows, rows[0] as ResultRow, 'peer')).toBeUndefined()
  })
})

describe('renderSection', () => {
  it('prints the group once, n/a with the reason, retries and the targets', () => {
    const text = renderSection({
      title: '3. Transfer',
      unit: 'commands/s',
      groupHeader: 'clients',
      rows: rows.slice(0, 4),
      showRetries: true,
      notes: ['what was measured'],
      targets: ['≥ 1,500 commands/s: 900 — MISSED'],
    })
    const lines = text.split('\n')
    expect(lines[0]).toBe('3. Transfer')
    expect(lines[3]).toMatch(/^ {8}8 {2}EventCore PostgreSQL +900 +0\.90× +— +1\.00 +2\.00 +3\.00 +10 \(1\.0 %\)$/)
    expect(lines[4]).toMatch(/^ {11}raw SQL \(pg\) +1,000 +1\.00×/)
    expect(lines[5]).toMatch(/Emmett +n\/a +no such operation$/)
    expect(lines.at(-2)).toBe('  · what was measured')
    expect(lines.at(-1)).toBe('  target: ≥ 1,500 commands/s: 900 — MISSED')
  })

  it('adds the reference column: each row over the named row of its group, none for embedded rows', () => {
    const withPgbench: ResultRow[] = [
      ...rows.slice(0, 4),
      { group: '8', contender: 'pgbench', role: 'reference', outcome: measured(2000) },
    ]
    const text = renderSection({
      title: '1. Append',
      unit: 'appends/s',
      groupHeader: 'clients',
      rows: withPgbench,
      reference: { header: 'vs pgbench', contender: 'pgbench' },
    })
    const lines = text.split('\n')
    expect(lines[1]).toMatch(/vs raw +vs Emmett +vs pgbench +p50 ms/)
    expect(lines[3]).toMatch(/EventCore PostgreSQL +900 +0\.90× +— +0\.45× +1\.00/)
    expect(lines[5]).toMatch(/Emmett +n\/a +no such operation$/)
    expect(lines[6]).toMatch(/EventCore memory +100,000 +— +— +— +1\.00/)
    expect(lines[7]).toMatch(/pgbench +2,000 +2\.00× +— +1\.00×/)
    expect(ratioToContender(withPgbench, withPgbench[1] as ResultRow, 'pgbench')).toBeCloseTo(0.5)
    expect(ratioToContender(withPgbench, rows[4] as ResultRow, 'pgbench')).toBeUndefined()
  })
})
