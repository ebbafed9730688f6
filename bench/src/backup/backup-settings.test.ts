import { describe, expect, it } from 'vitest'
import { DEFAULT_DATABASE_URL } from '../settings.js'
import { readBackupSettings } from './backup-settings.js'

describe('readBackupSettings', () => {
  it('measures 100,000 then 1,000,000 events by default, PGlite at the small size, on the bench server', () => {
    expect(readBackupSettings({})).toEqual({
      databaseUrl: DEFAULT_DATABASE_URL,
      sizes: [100_000, 1_000_000],
      pgliteMaxEvents: 100_000,
    })
    expect(readBackupSettings({ EVENTCORE_BENCH_BACKUP_SMALL_EVENTS: '0' }).pgliteMaxEvents).toBe(1_000_000)
    expect(readBackupSettings({ EVENTCORE_TEST_DATABASE_URL: 'postgres://t' }).databaseUrl).toBe('postgres://t')
  })

  it('takes a tenth of a smaller log as the small size, none below 10,000, and 0 as none', () => {
    expect(readBackupSettings({ EVENTCORE_BENCH_BACKUP_EVENTS: '200_000' }).sizes).toEqual([20_000, 200_000])
    expect(readBackupSettings({ EVENTCORE_BENCH_BACKUP_EVENTS: '5000' }).sizes).toEqual([5000])
    expect(readBackupSettings({ EVENTCORE_BENCH_BACKUP_SMALL_EVENTS: '0' }).sizes).toEqual([1_000_000])
    expect(readBackupSettings({ EVENTCORE_BENCH_BACKUP_PGLITE_EVENTS: '100000' }).pgliteMaxEvents).toBe(100_000)
  })

  it('reports every bad value in one error', () => {
    expect(() =>
      readBackupSettings({ EVENTCORE_BENCH_BACKUP_EVENTS: 'many', EVENTCORE_BENCH_BACKUP_PGLITE_EVENTS: '-1' }),
    ).toThrow(/EVENTCORE_BENCH_BACKUP_EVENTS must be .* got 'many'; EVENTCORE_BENCH_BACKUP_PGLITE_EVENTS must be/)
    expect(() => readBackupSettings({ EVENTCORE_BENCH_BACKUP_SMALL_EVENTS: '1000000' })).toThrow(/must be below/)
    expect(() => readBackupSettings({ EVENTCORE_BENCH_BACKUP_SMALL_EVENTS: '10' })).toThrow(/0 or at least 1,000/)
  })
})
