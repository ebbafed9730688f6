import type { RetentionPolicy } from '@eventcore/postgres'
import { loadConfig } from '@eventcore/service'
import { validateAlerting } from '../alerting-validation.js'
import { auditConfig } from '../audit/config-audit.js'
import { auditDatabase, PGLITE_NOT_APPLICABLE } from '../audit/database-audit.js'
import { auditUrl } from '../audit/url-audit.js'
import { validateBackup } from '../backup-validation.js'
import type { CheckResult } from '../checks.js'
import { messageOf } from '../cli-error.js'
import { appHealth } from '../commands/health-check.js'
import type { ConfigOverrides } from '../config.js'
import { type Credentials, tokenOf } from '../credentials.js'
import { openDatabase } from '../database.js'
import { databaseHealth } from '../database-health.js'
import { validateDeployment } from '../deployment-validation.js'
import type { CliIo } from '../io.js'
import { checkManifests } from '../manifests/policy.js'
import { readManifests } from '../manifests/read-manifests.js'
import { validateMetricsEndpoint, validateMetricsInPrometheus } from '../metrics-validation.js'
import { smokeTest } from '../smoke.js'
import type { AuditFinding, Evidence, Gathered } from './evidence.js'

/** What the checklist may measure; each source is used only when given. */
export interface GatherOptions {
  readonly url?: string
  /** Where the service serves `/metrics` when on a port of its own. @default `${url}/metrics` */
  readonly metricsUrl?: string
  readonly prometheusUrl?: string
  /** With `prometheusUrl`: Alertmanager, whose routing tree is walked. */
  readonly alertmanagerUrl?: string
  /** How fresh a metric in Prometheus must be. */
  readonly maxAgeSeconds: number
  /** Check and audit the database (a URL or data directory was given, or EVENTCORE_DATABASE_URL is set). */
  readonly database: boolean
  readonly overrides: ConfigOverrides
  readonly credentials: Credentials
  /** Run the smoke test (it registers, renames and deactivates one user). */
  readonly smoke: boolean
  /** The p95 the smoke test's GETs must stay under. */
  readonly p95Ms: number
  readonly timeoutMs: number
  /** Run `validate backup` on this directory (and the database the configuration names). */
  readonly backup?: {
    readonly dir: string
    readonly maxAgeMs: number
    readonly policy?: RetentionPolicy
    readonly now: () => Date
  }
  /** Run `validate manifests` on this rendering: a file, a directory, or `-` for stdin. */
  readonly manifests?: string
}

async function gathered<T>(work: () => Promise<T>): Promise<Gathered<T>> {
  try {
    return { ok: true, value: await work() }
  } catch (error) {
    return { ok: false, error: messageOf(error) }
  }
}

const part = <T, U>(whole: Gathered<T> | undefined, pick: (value: T) => U): Gathered<U> | undefined =>
  whole === undefined ? undefined : whole.ok ? { ok: true, value: pick(whole.value) } : whole

/**
 * Runs every source the options allow and keeps what each found or why it could not run: one source
 * failing never hides the others. The service is asked in an order that keeps the probes from
 * spending each other's budget: the smoke test (a valid token) before the audit's bad-token flood,
 * which exhausts the caller's anonymous rate limit.
 */
export async function gatherEvidence(io: CliIo, options: GatherOptions): Promise<Evidence> {
  const given = Object.fromEntries(Object.entries(options.overrides).filter(([, value]) => value !== undefined))
  const env = { ...io.env, ...given }
  // Keyless: a missing JWT key is the audit's finding to report, and the checklist writes nothing.
  const loaded = loadConfig(env, { cwd: io.cwd, keyless: true })
  const { url, timeoutMs, credentials } = options
  const metricsUrl = options.metricsUrl ?? `${url}/metrics`
  const config = loaded.ok ? loaded.config : undefined

  const database =
    config && options.database
      ? await gathered(async () => {
          const opened = await openDatabase(config, { migrate: 'inspect', timeoutMs })
          try {
            const health = await databaseHealth(opened, { timeoutMs, pool: config.database })
            // The embedded PGlite has no roles, TLS or pg_hba: its audit does not apply (never a pass).
            const findings: readonly AuditFinding[] | undefined =
              opened.kind === 'postgres' ? await auditDatabase(opened.store, { kind: opened.kind }) : undefined
            return { checks: health.checks, findings }
          } finally {
            await opened.store.close().catch(() => {})
          }
        })
      : undefined

  const backupOptions = options.backup
  const backup =
    config && backupOptions
      ? await gathered(async () => {
          const { dir, maxAgeMs, policy, now } = backupOptions
          const opened = await openDatabase(config, { migrate: 'inspect', timeoutMs })
          try {
            return await validateBackup({ store: opened.store, dir, maxAgeMs, now, ...(policy ? { policy } : {}) })
          } finally {
            await opened.store.close().catch(() => {})
          }
        })
      : undefined

  const manifestsPath = options.manifests
  const manifests =
    manifestsPath === undefined
      ? undefined
      : await gathered(async () => checkManifests(await readManifests(manifestsPath, { cwd: io.cwd })))

  const app = url ? await gathered(() => appHealth(url, timeoutMs, metricsUrl)) : undefined
  const smoke =
    url && options.smoke
      ? await gathered(() => smokeTest({ baseUrl: url, credentials, timeoutMs, p95Ms: options.p95Ms }))
      : undefined
  // The deployment checks without their own smoke run (the one above is the smoke test).
  const deployment = url
    ? await gathered(async () =>
        (
          await validateDeployment({
            baseUrl: url,
            credentials: { kind: 'none', why: 'run once, above' },
            timeoutMs,
            metricsUrl,
          })
        ).filter((check) => !check.name.startsWith('smoke: ')),
      )
    : undefined
  const metrics: Gathered<readonly CheckResult[]> | undefined = options.prometheusUrl
    ? await gathered(() =>
        validateMetricsInPrometheus({
          prometheusUrl: options.prometheusUrl ?? '',
          maxAgeSeconds: options.maxAgeSeconds,
          timeoutMs,
        }),
      )
    : url
      ? await gathered(() => validateMetricsEndpoint({ metricsUrl, timeoutMs }))
      : undefined
  const alerting = options.prometheusUrl
    ? await gathered(() =>
        validateAlerting({
          prometheusUrl: options.prometheusUrl ?? '',
          timeoutMs,
          ...(options.alertmanagerUrl === undefined ? {} : { alertmanagerUrl: options.alertmanagerUrl }),
        }),
      )
    : undefined
  const token = await tokenOf(credentials)
  const urlFindings = url
    ? await gathered(() => auditUrl(url, { timeoutMs, ...(token === undefined ? {} : { token }) }))
    : undefined

  return {
    config: loaded.ok
      ? { ok: true, value: { config: loaded.config, warnings: loaded.warnings } }
      : { ok: false, error: loaded.problems.join('; ') },
    database: part(database, (value) => value.checks),
    app,
    smoke,
    metrics,
    alerting,
    deployment,
    ...(backup === undefined ? {} : { backup }),
    ...(manifests === undefined ? {} : { manifests }),
    prometheus: options.prometheusUrl !== undefined,
    ...(database?.ok && database.value.findings === undefined
      ? { databaseAuditNotApplicable: PGLITE_NOT_APPLICABLE }
      : {}),
    audit: {
      config: config ? { ok: true, value: auditConfig(config, env) } : undefined,
      database:
        database?.ok && database.value.findings === undefined
          ? undefined
          : part(database, (value) => value.findings ?? []),
      url: urlFindings,
    },
  }
}
