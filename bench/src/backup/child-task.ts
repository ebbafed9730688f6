/** One measured operation, run in a child process of its own so its peak RSS is its own. */
export type ChildTask =
  | { readonly op: 'create'; readonly databaseUrl: string; readonly dir: string }
  | { readonly op: 'verify'; readonly path: string }
  | { readonly op: 'restore-postgres'; readonly databaseUrl: string; readonly path: string }
  | { readonly op: 'restore-pglite'; readonly dataDir: string; readonly path: string }

/** What the child prints as the one line of its standard output. */
export type ChildReport =
  | {
      readonly ok: true
      /** The operation alone: opening the store (migrations, PGlite's start) is not in it. */
      readonly ms: number
      /** Opening the store, before the operation. */
      readonly openMs: number
      /** `process.resourceUsage().maxRSS` at the end: the child's peak, in KiB. */
      readonly maxRssKiB: number
      /** Events the operation handled, as it reports them. */
      readonly events: number
      /** create: the backup written. */
      readonly path?: string
      /** Restores: the events the restored store holds, counted after the operation. */
      readonly counted?: number
    }
  | {
      readonly ok: false
      readonly error: string
      readonly maxRssKiB: number
      /** Stopped at the time limit (not failed by itself). */
      readonly timedOut?: boolean
      /** The last progress the child reported before it failed or was stopped. */
      readonly progress?: ChildProgress
    }

/** How far the operation got: the child writes one line of it to stderr whenever the library reports progress. */
export interface ChildProgress {
  /** The library's phase: `create`, `verify`, `restore`… */
  readonly phase: string
  readonly events: number
  /** Since the operation began. */
  readonly ms: number
}

/**
 * The child's progress line (stderr), and reading it back.
 *
 * @example
 * progressLine({ phase: 'restore', events: 5000, ms: 812.5 }) // 'progress restore 5000 812.5\n'
 */
export function progressLine(progress: ChildProgress): string {
  return `progress ${progress.phase} ${progress.events} ${progress.ms.toFixed(1)}\n`
}

/**
 * A progress line as {@link progressLine} writes it, or undefined for any other line.
 *
 * @example
 * parseProgressLine('progress restore 5000 812.5') // { phase: 'restore', events: 5000, ms: 812.5 }
 */
export function parseProgressLine(line: string): ChildProgress | undefined {
  const match = /^progress ([a-z-]+) (\d+) (\d+(?:\.\d+)?)$/.exec(line.trim())
  if (!match) return undefined
  return { phase: match[1] ?? '', events: Number(match[2]), ms: Number(match[3]) }
}

/**
 * Reads the child's report from its standard output: the last line that is a JSON object with `ok`.
 *
 * @example
 * parseChildReport('{"ok":false,"error":"boom","maxRssKiB":51200}\n') // { ok: false, error: 'boom', maxRssKiB: 51200 }
 */
export function parseChildReport(stdout: string): ChildReport | undefined {
  const lines = stdout.trim().split('\n').reverse()
  for (const line of lines) {
    try {
      const value: unknown = JSON.parse(line)
      if (isReport(value)) return value
    } catch {
      // Not the report: a library may print to stdout.
    }
  }
  return undefined
}

function isReport(value: unknown): value is ChildReport {
  if (typeof value !== 'object' || value === null) return false
  const report = value as Record<string, unknown>
  if (typeof report.maxRssKiB !== 'number') return false
  if (report.ok === false) return typeof report.error === 'string'
  return (
    report.ok === true &&
    typeof report.ms === 'number' &&
    typeof report.openMs === 'number' &&
    typeof report.events === 'number'
  )
}
