/** How the benchmark runs, read once from the environment. */
export interface Settings {
  /** The PostgreSQL server every PostgreSQL row runs on. */
  readonly databaseUrl: string
  /** Measured time per contender per round, after the warm-up. */
  readonly durationMs: number
  /** Unmeasured time before each measurement. */
  readonly warmupMs: number
  /**
   * Measured time per contender per round of the HTTP operation: `durationMs`, but at least 3 s,
   * since a second of HTTP load is mostly connection set-up and JIT.
   */
  readonly httpDurationMs: number
  /** Unmeasured load before each HTTP measurement: half a second (the servers keep running between rounds). */
  readonly httpWarmupMs: number
  /** Rounds per row; the median round is reported. */
  readonly rounds: number
  /** The scenarios to run, by number (1 is the first), ascending; undefined: all of them. */
  readonly only: readonly number[] | undefined
}

/** The shortest measured time of an HTTP row, whatever `EVENTCORE_BENCH_SECONDS` says. */
export const MIN_HTTP_DURATION_MS = 3000

/** The warm-up of every HTTP turn. */
export const HTTP_WARMUP_MS = 500

/** The server used when no variable names one. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

/**
 * Reads the settings: `EVENTCORE_BENCH_SECONDS` (measured seconds per row and round, default 1;
 * the warm-up is a third of it, at most 0.5 s; HTTP rows measure at least 3 s after 0.5 s of
 * warm-up), `EVENTCORE_BENCH_ROUNDS` (default 3) and
 * `EVENTCORE_BENCH_ONLY` (comma-separated scenario numbers, e.g. `6,7`; default all) and
 * `EVENTCORE_BENCH_DATABASE_URL`, else `EVENTCORE_TEST_DATABASE_URL`, else a local server.
 * Every invalid value is reported in one error.
 *
 * @param scenarioCount How many scenarios there are: the highest number `EVENTCORE_BENCH_ONLY` accepts.
 * @example
 * readSettings({ EVENTCORE_BENCH_SECONDS: '3' }).durationMs // 3000
 * readSettings({ EVENTCORE_BENCH_ONLY: '7, 6' }).only // [6, 7]
 */
export function readSettings(env: Readonly<Record<string, string | undefined>>, scenarioCount = 7): Settings {
  const problems: string[] = []
  const number = (name: string, fallback: number, valid: (n: number) => boolean, rule: string): number => {
    const text = env[name]
    if (text === undefined || text.trim() === '') return fallback
    const value = Number(text)
    if (valid(value)) return value
    problems.push(`${name} must be ${rule}, got '${text}'`)
    return fallback
  }
  const seconds = number('EVENTCORE_BENCH_SECONDS', 1, (n) => n > 0 && n <= 600, 'a number of seconds in (0, 600]')
  const rounds = number('EVENTCORE_BENCH_ROUNDS', 3, (n) => Number.isInteger(n) && n >= 1 && n <= 20, 'an integer 1–20')
  const only = scenarioList(env.EVENTCORE_BENCH_ONLY, scenarioCount, (problem) => problems.push(problem))
  if (problems.length > 0) throw new Error(`invalid benchmark settings: ${problems.join('; ')}`)
  const durationMs = seconds * 1000
  return {
    databaseUrl: env.EVENTCORE_BENCH_DATABASE_URL || env.EVENTCORE_TEST_DATABASE_URL || DEFAULT_DATABASE_URL,
    durationMs,
    warmupMs: Math.min(500, durationMs / 3),
    httpDurationMs: Math.max(MIN_HTTP_DURATION_MS, durationMs),
    httpWarmupMs: HTTP_WARMUP_MS,
    rounds,
    only,
  }
}

/** `EVENTCORE_BENCH_ONLY`: unset or blank is all; otherwise distinct numbers 1…count, sorted. */
function scenarioList(
  text: string | undefined,
  count: number,
  problem: (message: string) => void,
): number[] | undefined {
  if (text === undefined || text.trim() === '') return undefined
  const numbers = text.split(',').map((part) => part.trim())
  if (numbers.some((n) => !/^\d+$/.test(n) || Number(n) < 1 || Number(n) > count)) {
    problem(`EVENTCORE_BENCH_ONLY must be scenario numbers 1–${count} separated by commas, got '${text}'`)
    return undefined
  }
  return [...new Set(numbers.map(Number))].sort((a, b) => a - b)
}

/**
 * The URL without its password, for printing.
 *
 * @example
 * redactUrl('postgres://app:secret@db:5432/x') // 'postgres://app:***@db:5432/x'
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparseable database URL)'
  }
}
