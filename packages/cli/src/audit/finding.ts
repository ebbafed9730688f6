/** What a finding is about: the checklist's security sections. */
export type FindingCategory = 'authentication' | 'authorization' | 'encryption' | 'network-security' | 'data-protection'

/** How bad a finding is, from worst to least. */
export type Severity = 'critical' | 'high' | 'medium' | 'low'

/** Where the audit looked: the `EVENTCORE_*` configuration, the live database, or a live URL. */
export type FindingSource = 'config' | 'database' | 'url'

/** One thing the audit found wrong. */
export interface Finding {
  /** The rule's stable id, e.g. `EC-AUTH-001` (see `RULES`). */
  readonly id: string
  readonly category: FindingCategory
  readonly severity: Severity
  readonly title: string
  /** What was found, with the value measured or observed. */
  readonly description: string
  readonly recommendation: string
  readonly source: FindingSource
  /** Where: a variable name (config), a schema or setting (database), a URL (url). */
  readonly location?: string
}

/** Every severity, worst first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low']

const RANK: Readonly<Record<Severity, number>> = { critical: 3, high: 2, medium: 1, low: 0 }

/**
 * True when `severity` is at least `threshold` (`--fail-on`).
 *
 * @example
 * atOrAbove('critical', 'high') // true
 */
export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return RANK[severity] >= RANK[threshold]
}

/** Findings worst first, then by rule id, so output is stable from run to run. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.id.localeCompare(b.id))
}
