import type { CheckResult, CheckStatus } from '../checks.js'
import type { AuditFinding, Evidence, Gathered } from './evidence.js'

/** An item's verdict. */
export interface Verdict {
  readonly status: CheckStatus
  readonly detail: string
}

/** Judges one item from the evidence. */
export type Judge = (evidence: Evidence) => Verdict

/** For a person to confirm: `what` says what to look at. */
export const manual =
  (what: string): Judge =>
  () => ({ status: 'manual', detail: what })

type CheckSource = 'database' | 'app' | 'smoke' | 'metrics' | 'alerting' | 'deployment' | 'backup' | 'manifests'

const HOW_TO_GATHER: Readonly<Record<CheckSource, string>> = {
  database: 'give --database-url (or EVENTCORE_DATABASE_URL / EVENTCORE_DATA_DIR) to check it',
  app: 'give --url to check it',
  smoke: 'give --url and a token (--token or --jwt-secret-file) to check it',
  metrics: 'give --url or --prometheus-url to check it',
  alerting: 'give --prometheus-url to check the alert and SLO rules Prometheus evaluates',
  deployment: 'give --url to check it',
  backup:
    'give --backup-dir (with the database: --database-url, --data-dir or EVENTCORE_DATABASE_URL) to check it: the checklist runs validate backup',
  manifests: 'give --manifests (kubectl kustomize deploy/k8s/overlays/production > rendered.yaml)',
}

const worst = (statuses: readonly CheckStatus[]): CheckStatus =>
  statuses.includes('fail')
    ? 'fail'
    : statuses.includes('warn')
      ? 'warn'
      : statuses.every((status) => status === 'skip')
        ? 'skip'
        : 'pass'

/**
 * Judged by the checks of `source` whose name matches `name`: failed if any failed, warning if any
 * warned, passed when the rest passed; manual (saying how to gather it) when the source did not run.
 */
export const fromChecks =
  (source: CheckSource, name: RegExp, otherwise = ''): Judge =>
  (evidence) => {
    const gathered: Gathered<readonly CheckResult[]> | undefined = evidence[source]
    if (gathered === undefined) return { status: 'manual', detail: otherwise || HOW_TO_GATHER[source] }
    if (!gathered.ok) return { status: 'fail', detail: `could not check: ${gathered.error}` }
    const matched = gathered.value.filter((check) => name.test(check.name))
    if (matched.length === 0) return { status: 'manual', detail: otherwise || `no ${source} check covers this` }
    const status = worst(matched.map((check) => check.status))
    if (status === 'pass' && matched.length > 1) {
      return {
        status,
        detail: `${matched.length} checks passed (${source}): ${matched.map((check) => check.name.trim()).join(', ')}`,
      }
    }
    const shown = matched.filter((check) => check.status === status || status === 'pass')
    return { status, detail: shown.map((check) => `${check.name.trim()}: ${check.detail}`).join('; ') }
  }

type AuditSource = keyof Evidence['audit']

const HOW_TO_AUDIT: Readonly<Record<AuditSource, string>> = {
  config: 'the configuration could not be read',
  database: 'give --database-url (or EVENTCORE_DATABASE_URL) to audit the database',
  url: 'give --url to audit the running service',
}

/**
 * Judged by the audit's findings of rules `ids` from `sources`: failed for a critical or high
 * finding, warning for a medium or low one, passed when every source ran and found none of them.
 */
export const fromFindings =
  (sources: readonly AuditSource[], ids: readonly string[], passed: string): Judge =>
  (evidence) => {
    const found: AuditFinding[] = []
    const missing: string[] = []
    const notApplicable: string[] = []
    for (const source of sources) {
      const gathered = evidence.audit[source]
      if (gathered === undefined) {
        const why = source === 'database' ? evidence.databaseAuditNotApplicable : undefined
        if (why === undefined) missing.push(HOW_TO_AUDIT[source])
        else notApplicable.push(why)
      } else if (!gathered.ok) return { status: 'fail', detail: `could not audit the ${source}: ${gathered.error}` }
      else found.push(...gathered.value.filter((finding) => ids.includes(finding.id)))
    }
    if (found.length > 0) {
      const serious = found.some((finding) => finding.severity === 'critical' || finding.severity === 'high')
      const detail = found.map((finding) => `${finding.id} (${finding.severity}): ${finding.title}`).join('; ')
      return { status: serious ? 'fail' : 'warn', detail }
    }
    const unaudited = missing.length + notApplicable.length
    if (unaudited === sources.length) {
      return notApplicable.length > 0
        ? { status: 'skip', detail: [...notApplicable, ...missing].join('; ') }
        : { status: 'manual', detail: missing.join('; ') }
    }
    const caveats = [...notApplicable, ...missing]
    return { status: 'pass', detail: caveats.length > 0 ? `${passed} (${caveats.join('; ')})` : passed }
  }

/** Judged from the loaded configuration; manual when it could not be loaded. */
export const fromConfig =
  (judge: (config: Extract<Evidence['config'], { ok: true }>['value']) => Verdict): Judge =>
  (evidence) =>
    evidence.config.ok
      ? judge(evidence.config.value)
      : { status: 'fail', detail: `configuration: ${evidence.config.error}` }

/** The first verdict that is not manual, else the last one. */
export const firstOf =
  (...judges: readonly Judge[]): Judge =>
  (evidence) => {
    let last: Verdict = { status: 'manual', detail: '' }
    for (const judge of judges) {
      last = judge(evidence)
      if (last.status !== 'manual') return last
    }
    return last
  }

/** Every verdict counts: the worst status, with the reasons of those that are not plain passes first. */
export const allOf =
  (...judges: readonly Judge[]): Judge =>
  (evidence) => {
    const verdicts = judges.map((judge) => judge(evidence))
    const decided = verdicts.filter((verdict) => verdict.status !== 'manual')
    if (decided.length === 0) return verdicts[0] ?? { status: 'manual', detail: '' }
    const status = worst(decided.map((verdict) => verdict.status))
    return { status, detail: decided.map((verdict) => verdict.detail).join('; ') }
  }

/**
 * For items about the connection to a PostgreSQL server: skipped, saying why, when the service runs
 * on the embedded PGlite (there is no connection to encrypt or credential to keep).
 */
export const onPostgres =
  (judge: Judge): Judge =>
  (evidence) =>
    evidence.config.ok && evidence.config.value.config.database.url === undefined
      ? { status: 'skip', detail: 'embedded PGlite: no database server, connection or credentials' }
      : judge(evidence)
