import { describe, expect, it } from 'vitest'
import { anchorRatio, type BackupRow, backupTargets, formatMiB, renderBackupTable } from './backup-report.js'

const measured = (events: number, ms: number, rssMiB = 80, bytes?: number) => ({
  events,
  ms,
  maxRssKiB: rssMiB * 1024,
  bytes,
})

const rows: BackupRow[] = [
  {
    size: 1000,
    operation: 'backup',
    tool: 'pg_dump',
    role: 'anchor',
    outcome: measured(1000, 100, 10, 2 * 1024 * 1024),
  },
  { size: 1000, operation: 'backup', tool: 'createBackup', role: 'us', outcome: measured(1000, 50, 60) },
  { size: 1000, operation: 'restore', tool: 'pg_restore', role: 'anchor', outcome: measured(1000, 200, 9) },
  { size: 1000, operation: 'restore', tool: 'restoreBackup', role: 'us', outcome: measured(1000, 400, 70) },
  { size: 1000, operation: 'verify', tool: 'verifyBackup', role: 'us', outcome: measured(1000, 10, 50) },
  { size: 1000, operation: 'restore', tool: 'PGlite', role: 'embedded', outcome: measured(1000, 800, 400) },
  { size: 10_000, operation: 'backup', tool: 'pg_dump', role: 'anchor', outcome: measured(10_000, 1000, 10) },
  { size: 10_000, operation: 'backup', tool: 'createBackup', role: 'us', outcome: measured(10_000, 50, 65) },
  { size: 10_000, operation: 'restore', tool: 'pg_restore', role: 'anchor', outcome: { missing: 'exit code 1' } },
  { size: 10_000, operation: 'restore', tool: 'restoreBackup', role: 'us', outcome: measured(10_000, 250, 210) },
  { size: 10_000, operation: 'verify', tool: 'verifyBackup', role: 'us', outcome: { missing: 'failed' } },
]

describe('anchorRatio', () => {
  it("divides our rate by the anchor's of the same operation and size", () => {
    expect(anchorRatio(rows, rows[1] as BackupRow)).toBeCloseTo(2)
    expect(anchorRatio(rows, rows[3] as BackupRow)).toBeCloseTo(0.5)
    expect(anchorRatio(rows, rows[7] as BackupRow)).toBeCloseTo(20)
  })

  it('has none for the anchor itself, PGlite, or a missing anchor', () => {
    expect(anchorRatio(rows, rows[0] as BackupRow)).toBeUndefined()
    expect(anchorRatio(rows, rows[5] as BackupRow)).toBeUndefined()
    expect(anchorRatio(rows, rows[9] as BackupRow)).toBeUndefined()
  })
})

describe('backupTargets', () => {
  it('judges the rates at the largest size and the memory at every size, from the rows', () => {
    const [backup, restore, backupMemory, verifyMemory, restoreMemory] = backupTargets(rows)
    expect(backup).toBe('backup ≥ 100,000 events/s at 10,000 events: 200,000 — met')
    expect(restore).toBe('restore into PostgreSQL ≥ 50,000 events/s at 10,000 events: 40,000 — MISSED')
    expect(backupMemory).toBe('backup peak RSS < 200 MiB at every size: 60.0 MiB at 1,000, 65.0 MiB at 10,000 — met')
    expect(verifyMemory).toBe('verify peak RSS < 200 MiB at every size: not measured')
    expect(restoreMemory).toBe(
      'restore peak RSS < 200 MiB at every size: 70.0 MiB at 1,000, 210.0 MiB at 10,000 — MISSED',
    )
  })
})

describe('renderBackupTable', () => {
  it('writes each size once, the rate, seconds, MiB and the ratio, and n/a with the reason', () => {
    const lines = renderBackupTable(rows).split('\n')
    expect(lines[0]).toMatch(/^events +operation +tool +events\/s +wall s +peak RSS MiB +on disk MiB +vs anchor +note$/)
    expect(lines[2]).toMatch(/^ 1,000 +backup +pg_dump +10,000 +0\.10 +10\.0 +2\.0 +—$/)
    expect(lines[3]).toMatch(/^ +backup +createBackup +20,000 +0\.05 +60\.0 +— +2\.00×$/)
    expect(lines[10]).toMatch(/^ +restore +pg_restore +n\/a +exit code 1$/)
  })

  it('says how far a row stopped at the time limit got, in its note and its target', () => {
    const stopped: BackupRow = {
      size: 10_000,
      operation: 'backup',
      tool: 'createBackup',
      role: 'us',
      outcome: { ...measured(4000, 1000), unfinishedOf: 10_000 },
    }
    const changed = rows.map((row) => (row === rows[7] ? stopped : row))
    expect(renderBackupTable(changed).split('\n')[9]).toMatch(/4,000 +1\.00 .* time limit: 4,000 of 10,000 events$/)
    expect(backupTargets(changed)[0]).toBe(
      'backup ≥ 100,000 events/s at 10,000 events (time limit: 4,000 of 10,000 events): 4,000 — MISSED',
    )
  })

  it('writes mebibytes with one decimal', () => {
    expect(formatMiB(52_428_800)).toBe('50.0')
    expect(formatMiB(undefined)).toBe('—')
  })
})
