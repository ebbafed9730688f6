// The checklist's Backup and Recovery items (and the later ones about backups), judged from
// `validate backup`'s checks as `--backup-dir` gathers them, and manual, naming the flag, without.
import { describe, expect, it } from 'vitest'
import { BACKUP_CHECKS } from '../backup-validation.js'
import type { CheckResult, CheckStatus } from '../checks.js'
import type { Evidence } from './evidence.js'
import { CHECKLIST } from './items.js'
import { judgeChecklist } from './report.js'

const BACKUP_ITEMS = [
  'reliability.backups',
  'reliability.backup-verification',
  'reliability.recovery',
  'reliability.pitr',
  'reliability.retention',
  'database.backup-strategy',
  'weekly.backups',
  'monthly.dr',
]

const nothing: Evidence = { config: { ok: false, error: 'not loaded' }, audit: {}, prometheus: false }
const healthy: CheckResult[] = Object.values(BACKUP_CHECKS)
  .filter((name) => name !== BACKUP_CHECKS.unreadable)
  .map((name) => ({ name, status: 'pass', detail: `${name} ok` }))

const judged = (evidence: Evidence) => {
  const items = judgeChecklist(CHECKLIST, evidence, new Date('2026-12-02T08:00:00Z')).sections.flatMap((s) =>
    s.groups.flatMap((g) => g.items),
  )
  return new Map(items.filter((item) => BACKUP_ITEMS.includes(item.id)).map((item) => [item.id, item]))
}
const statuses = (evidence: Evidence): Record<string, CheckStatus> =>
  Object.fromEntries([...judged(evidence)].map(([id, item]) => [id, item.status]))
const with_ = (...changed: CheckResult[]): Evidence => ({
  ...nothing,
  backup: {
    ok: true,
    value: healthy.map((check) => changed.find((c) => c.name === check.name) ?? check),
  },
})

describe('the backup items of the checklist', () => {
  it('are manual without --backup-dir, naming the flag', () => {
    const items = judged(nothing)
    expect(items.size).toBe(BACKUP_ITEMS.length)
    for (const item of items.values()) {
      expect(item.status).toBe('manual')
      expect(item.detail).toMatch(/--backup-dir/)
    }
  })

  it('pass when validate backup passed, the WAL archive left to a person', () => {
    expect(Object.values(statuses(with_())).every((status) => status === 'pass')).toBe(true)
    const backups = judged(with_()).get('reliability.backups')
    expect(backups?.detail).toMatch(/newest backup age, backup create/)
    expect(backups?.detail).toMatch(/WAL archiving .*\(pgBackRest\).*docs\/operations\/backup\.md/)
  })

  it('fail, each on its own evidence', () => {
    expect(statuses(with_({ name: BACKUP_CHECKS.age, status: 'fail', detail: 'no backup in /b' }))).toMatchObject({
      'reliability.backups': 'fail',
      'database.backup-strategy': 'fail',
      'reliability.recovery': 'pass',
    })
    expect(
      statuses(with_({ name: BACKUP_CHECKS.newestVerifies, status: 'fail', detail: 'chunk-checksum' })),
    ).toMatchObject({
      'reliability.backup-verification': 'fail',
      'weekly.backups': 'fail',
      'reliability.backups': 'pass',
    })
    expect(statuses(with_({ name: BACKUP_CHECKS.pitr, status: 'fail', detail: '3 events, 4 expected' }))).toMatchObject(
      {
        'reliability.pitr': 'fail',
        'monthly.dr': 'fail',
        'reliability.recovery': 'pass',
      },
    )
    expect(statuses(with_({ name: BACKUP_CHECKS.retention, status: 'warn', detail: 'no policy' }))).toMatchObject({
      'reliability.retention': 'warn',
    })
  })

  it('fail when validate backup could not run', () => {
    const all = statuses({ ...nothing, backup: { ok: false, error: 'no embedded database in ./data' } })
    expect(Object.values(all).every((status) => status === 'fail')).toBe(true)
  })
})
