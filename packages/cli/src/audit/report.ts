import type { Colors } from '../output.js'
import { atOrAbove, type Finding, type FindingSource, SEVERITIES, type Severity, sortFindings } from './finding.js'

/** What became of one source: audited (with how many findings) or skipped (and why). */
export type SourceReport =
  | {
      readonly source: FindingSource
      readonly status: 'audited'
      readonly findings: number
      /** What was measured, or could not be checked, besides the findings. */
      readonly notes: readonly string[]
    }
  | { readonly source: FindingSource; readonly status: 'skipped'; readonly reason: string }

/** Counts by severity, and whether `--fail-on` was reached. */
export interface AuditSummary {
  readonly total: number
  readonly bySeverity: Readonly<Record<Severity, number>>
  readonly failOn: Severity
  /** True when a finding is at or above `failOn`. */
  readonly failed: boolean
}

/** The `--json` document of `audit`. */
export interface AuditReport {
  readonly findings: readonly Finding[]
  readonly summary: AuditSummary
  readonly sources: readonly SourceReport[]
}

/**
 * The report of an audit: findings worst first, counted by severity, failed when any is at or
 * above `failOn`.
 *
 * @example
 * const report = auditReport([...auditConfig(config, env)], [{ source: 'config', status: 'audited', findings: 2 }], 'high')
 */
export function auditReport(
  findings: readonly Finding[],
  sources: readonly SourceReport[],
  failOn: Severity,
): AuditReport {
  const bySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0 }
  for (const found of findings) bySeverity[found.severity] += 1
  return {
    findings: sortFindings(findings),
    summary: {
      total: findings.length,
      bySeverity,
      failOn,
      failed: findings.some((found) => atOrAbove(found.severity, failOn)),
    },
    sources,
  }
}

/** The report for people: each source (✅ when it found nothing), then the findings grouped by severity. */
export function renderAudit(report: AuditReport, colors: Colors): string {
  const paint: Readonly<Record<Severity, (text: string) => string>> = {
    critical: (text) => colors.bold(colors.red(text)),
    high: colors.red,
    medium: colors.yellow,
    low: colors.cyan,
  }
  const lines: string[] = ['Sources:']
  for (const source of report.sources) {
    if (source.status === 'skipped') lines.push(`⏭️  ${source.source} — skipped: ${source.reason}`)
    else if (source.findings === 0) lines.push(`✅ ${source.source} — nothing found`)
    else lines.push(`❌ ${source.source} — ${source.findings} finding${source.findings === 1 ? '' : 's'}`)
    if (source.status === 'audited') for (const note of source.notes) lines.push(`   · ${note}`)
  }
  for (const severity of SEVERITIES) {
    const group = report.findings.filter((found) => found.severity === severity)
    if (group.length === 0) continue
    lines.push('', paint[severity](`${severity.toUpperCase()} (${group.length})`))
    for (const found of group) {
      lines.push(`  ${colors.bold(found.id)} ${found.title} [${found.category}, ${found.source}]`)
      lines.push(`    ${found.description}`)
      lines.push(`    → ${found.recommendation}`)
    }
  }
  const { total, bySeverity, failOn, failed } = report.summary
  const counts = SEVERITIES.map((severity) => `${bySeverity[severity]} ${severity}`).join(', ')
  const verdict = failed ? colors.red(`fails --fail-on ${failOn}`) : colors.green(`passes --fail-on ${failOn}`)
  lines.push('', `${total} finding${total === 1 ? '' : 's'} (${counts}): ${verdict}`)
  return `${lines.join('\n')}\n`
}
