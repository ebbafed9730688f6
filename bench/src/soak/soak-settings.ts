import { DEFAULT_DATABASE_URL } from '../settings.js'

/** How the soak runs, read once from the environment. */
export interface SoakSettings {
  readonly databaseUrl: string
  /** Measured load, after the warm-up. */
  readonly durationMs: number
  /** Requests per second, fixed. */
  readonly rate: number
  /** How often the server's memory is read. */
  readonly sampleMs: number
  /** Where the markdown report is also written; undefined: standard output only. */
  readonly out: string | undefined
}

/**
 * Reads `EVENTCORE_SOAK_SECONDS` (default 180, at most 3600), `EVENTCORE_SOAK_RATE` (requests per
 * second, default 150, at most 5000), `EVENTCORE_SOAK_SAMPLE_SECONDS` (default 5) and
 * `EVENTCORE_SOAK_OUT` (a file for the report), and the database as the benchmark does
 * (`EVENTCORE_BENCH_DATABASE_URL`, else `EVENTCORE_TEST_DATABASE_URL`, else a local server). Every
 * invalid value is reported in one error.
 *
 * @example
 * readSoakSettings({ EVENTCORE_SOAK_SECONDS: '60' }).durationMs // 60000
 */
export function readSoakSettings(env: Readonly<Record<string, string | undefined>>): SoakSettings {
  const problems: string[] = []
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const text = env[name]
    if (text === undefined || text.trim() === '') return fallback
    const value = Number(text)
    if (Number.isFinite(value) && value >= min && value <= max) return value
    problems.push(`${name} must be a number from ${min} to ${max}, got '${text}'`)
    return fallback
  }
  const seconds = number('EVENTCORE_SOAK_SECONDS', 180, 10, 3600)
  const rate = number('EVENTCORE_SOAK_RATE', 150, 1, 5000)
  const sampleSeconds = number('EVENTCORE_SOAK_SAMPLE_SECONDS', 5, 1, 60)
  if (seconds / sampleSeconds < 6)
    problems.push('EVENTCORE_SOAK_SECONDS must allow at least 6 memory readings of EVENTCORE_SOAK_SAMPLE_SECONDS')
  if (problems.length > 0) throw new Error(`invalid soak settings: ${problems.join('; ')}`)
  return {
    databaseUrl: env.EVENTCORE_BENCH_DATABASE_URL || env.EVENTCORE_TEST_DATABASE_URL || DEFAULT_DATABASE_URL,
    durationMs: seconds * 1000,
    rate,
    sampleMs: sampleSeconds * 1000,
    out: env.EVENTCORE_SOAK_OUT || undefined,
  }
}
