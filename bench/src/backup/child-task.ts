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
  | { readonly ok: false; readonly error: string; readonly maxRssKiB: number }

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
