import type { Config } from '@eventcore/service'
import type { CheckResult } from '../checks.js'

/** What the audit found, as much of it as the checklist reads. */
export interface AuditFinding {
  readonly id: string
  readonly severity: 'critical' | 'high' | 'medium' | 'low'
  readonly title: string
}

/** A source the checklist ran: what it returned, or why it could not run (`error`). */
export type Gathered<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string }

/**
 * Everything the checklist measured before judging any item. A source left `undefined` was not
 * asked for (no `--url`, no database): its items are for a person to confirm.
 */
export interface Evidence {
  readonly config: Gathered<{ readonly config: Config; readonly warnings: readonly string[] }>
  /** `health-check database`'s checks. */
  readonly database?: Gathered<readonly CheckResult[]>
  /** `health-check app`'s checks. */
  readonly app?: Gathered<readonly CheckResult[]>
  /** `test smoke`'s checks. */
  readonly smoke?: Gathered<readonly CheckResult[]>
  /** `validate metrics`' checks (through Prometheus when `--prometheus-url` was given). */
  readonly metrics?: Gathered<readonly CheckResult[]>
  /** `validate alerting`'s checks (only with `--prometheus-url`). */
  readonly alerting?: Gathered<readonly CheckResult[]>
  /** `validate backup`'s checks (only with `--backup-dir`). */
  readonly backup?: Gathered<readonly CheckResult[]>
  /** `validate manifests`' checks (only with `--manifests`). */
  readonly manifests?: Gathered<readonly CheckResult[]>
  /** `validate deployment`'s checks. */
  readonly deployment?: Gathered<readonly CheckResult[]>
  /** The audit's findings per source that ran. */
  readonly audit: {
    readonly config?: Gathered<readonly AuditFinding[]>
    readonly database?: Gathered<readonly AuditFinding[]>
    readonly url?: Gathered<readonly AuditFinding[]>
  }
  /** Why the database audit does not apply (the embedded PGlite has no roles, TLS or pg_hba). */
  readonly databaseAuditNotApplicable?: string
  /** Whether Prometheus was asked (so metric freshness was checked, not only presence). */
  readonly prometheus: boolean
}
