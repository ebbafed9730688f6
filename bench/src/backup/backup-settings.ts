import { DEFAULT_DATABASE_URL } from '../settings.js'

/** How `npm run bench:backup` runs, read once from the environment. */
export interface BackupBenchSettings {
  readonly databaseUrl: string
  /** The log sizes measured, ascending: the small one (when not 0) shows whether memory stays flat. */
  readonly sizes: readonly number[]
  /** The largest log restored into PGlite too (0: none). */
  readonly pgliteMaxEvents: number
}

/** The size the targets are stated for. */
export const DEFAULT_EVENTS = 1_000_000
export const DEFAULT_SMALL_EVENTS = 100_000
export const MAX_EVENTS = 10_000_000

/**
 * Reads `EVENTCORE_BENCH_BACKUP_EVENTS` (the log size, default 1,000,000), `EVENTCORE_BENCH_BACKUP_SMALL_EVENTS`
 * (a second, smaller log measured first to compare memory with, default 100,000 or a tenth of the
 * log; 0 for none),
 * `EVENTCORE_BENCH_BACKUP_PGLITE_EVENTS` (the largest log also restored into PGlite, default the
 * small size, or the log's when there is none; 0 for none) and the database as the benchmark does (`EVENTCORE_BENCH_DATABASE_URL`, else
 * `EVENTCORE_TEST_DATABASE_URL`, else a local server). Every invalid value is reported in one error.
 *
 * @example
 * readBackupSettings({ EVENTCORE_BENCH_BACKUP_EVENTS: '200000' }).sizes // [100000, 200000]
 * readBackupSettings({ EVENTCORE_BENCH_BACKUP_SMALL_EVENTS: '0' }).sizes // [1000000]
 */
export function readBackupSettings(env: Readonly<Record<string, string | undefined>>): BackupBenchSettings {
  const problems: string[] = []
  const count = (name: string, fallback: number, min: number): number => {
    const text = env[name]
    if (text === undefined || text.trim() === '') return fallback
    const value = Number(text.replaceAll('_', ''))
    if (Number.isInteger(value) && value >= min && value <= MAX_EVENTS) return value
    problems.push(`${name} must be a whole number from ${min.toLocaleString('en-US')} to 10,000,000, got '${text}'`)
    return fallback
  }
  const events = count('EVENTCORE_BENCH_BACKUP_EVENTS', DEFAULT_EVENTS, 1000)
  // A tenth of the log at most, so the two sizes differ enough to show a trend; none under 10,000.
  const defaultSmall = events >= 10_000 ? Math.min(DEFAULT_SMALL_EVENTS, Math.floor(events / 10)) : 0
  const small = count('EVENTCORE_BENCH_BACKUP_SMALL_EVENTS', defaultSmall, 0)
  // PGlite restores at a fraction of the server's pace (and holds the database in its RSS): the small log only, by default.
  const pgliteMaxEvents = count('EVENTCORE_BENCH_BACKUP_PGLITE_EVENTS', small > 0 ? small : events, 0)
  if (small >= events && small > 0)
    problems.push(
      `EVENTCORE_BENCH_BACKUP_SMALL_EVENTS (${small}) must be below EVENTCORE_BENCH_BACKUP_EVENTS (${events})`,
    )
  if (small > 0 && small < 1000) problems.push(`EVENTCORE_BENCH_BACKUP_SMALL_EVENTS must be 0 or at least 1,000`)
  if (problems.length > 0) throw new Error(`invalid backup benchmark settings: ${problems.join('; ')}`)
  return {
    databaseUrl: env.EVENTCORE_BENCH_DATABASE_URL || env.EVENTCORE_TEST_DATABASE_URL || DEFAULT_DATABASE_URL,
    sizes: small > 0 ? [small, events] : [events],
    pgliteMaxEvents,
  }
}
