import { describe, expect, it } from 'vitest'
import type { ResultRow, Role } from '../report/report.js'
import { afterRaw } from './scenario.js'

const row = (contender: string, role: Role): ResultRow => ({ group: '8', contender, role, outcome: { missing: 'x' } })

describe('afterRaw', () => {
  it('puts the reference rows right after the raw baseline', () => {
    const rows = [row('ours', 'us'), row('raw', 'raw'), row('peer', 'peer'), row('memory', 'embedded')]
    const placed = afterRaw(rows, [row('pgbench', 'reference')]).map((r) => r.contender)
    expect(placed).toEqual(['ours', 'raw', 'pgbench', 'peer', 'memory'])
  })

  it('puts them at the end when there is no raw row', () => {
    const placed = afterRaw([row('ours', 'us')], [row('pgbench', 'reference')]).map((r) => r.contender)
    expect(placed).toEqual(['ours', 'pgbench'])
  })
})
