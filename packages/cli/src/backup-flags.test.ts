import { describe, expect, it } from 'vitest'
import { backupDir, duration, isoTime, policyText, retentionPolicy, wholeNumber } from './backup-flags.js'
import { processIo } from './io.js'

describe('--to-time', () => {
  it.each([
    ['2026-12-02T14:00:00Z', '2026-12-02T14:00:00.000Z'],
    ['2026-12-02T14:00Z', '2026-12-02T14:00:00.000Z'],
    ['2026-12-02T15:00:00.123+01:00', '2026-12-02T14:00:00.123Z'],
    ['2024-02-29T00:00:00-05:30', '2024-02-29T05:30:00.000Z'],
  ])('takes %s as %s', (text, instant) => {
    expect(isoTime(text).toISOString()).toBe(instant)
  })

  it.each([
    '2026-12-02', // a date alone
    '2026-12-02T14:00:00', // no zone: a different instant on each machine
    '2026-12-02 14:00:00Z',
    '2026-02-30T00:00:00Z', // a day that does not exist (Date would roll it over)
    '2026-12-02T24:00:00Z',
    '2026-12-02T14:00:00.123456Z', // finer than a Date holds
    'yesterday',
    '1733148000',
    '',
  ])('refuses %j with the form it expects', (text) => {
    expect(() => isoTime(text)).toThrow(/expected an ISO 8601 time with a zone/)
  })
})

describe('--max-age', () => {
  it('reads s, m, h, d and w', () => {
    expect([duration('90s'), duration('90m'), duration('26h'), duration('1.5d'), duration('2w')]).toEqual([
      90_000, 5_400_000, 93_600_000, 129_600_000, 1_209_600_000,
    ])
  })

  it.each(['26', 'h', '0h', '-1h', '26 hours', '1e3s'])('refuses %j', (text) => {
    expect(() => duration(text)).toThrow(/expected a duration/)
  })
})

describe('retention flags', () => {
  it('give no policy when none is set, and only the numbers set otherwise', () => {
    expect(retentionPolicy({})).toBeUndefined()
    expect(retentionPolicy({ keepDaily: 7, keepMonthly: 0 })).toEqual({ keepDaily: 7, keepMonthly: 0 })
    expect(policyText({ keepLast: 3, keepWeekly: 4 })).toBe('--keep-last 3 --keep-weekly 4')
  })

  it('take whole numbers ≥ 0 only', () => {
    expect(wholeNumber('0')).toBe(0)
    for (const bad of ['-1', '1.5', 'x', '']) expect(() => wholeNumber(bad)).toThrow(/whole number/)
  })
})

describe('the backup directory', () => {
  const io = (env: Record<string, string>) => ({ ...processIo(), cwd: '/srv/app', env })

  it('is the flag, else EVENTCORE_BACKUP_DIR, else ./backups, from the working directory', () => {
    expect(backupDir(io({ EVENTCORE_BACKUP_DIR: '/var/b' }), 'here')).toBe('/srv/app/here')
    expect(backupDir(io({ EVENTCORE_BACKUP_DIR: '/var/b' }), undefined)).toBe('/var/b')
    expect(backupDir(io({ EVENTCORE_BACKUP_DIR: '' }), undefined)).toBe('/srv/app/backups')
    expect(backupDir(io({}), undefined)).toBe('/srv/app/backups')
  })
})
