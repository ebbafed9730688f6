import { Command, Option } from 'commander'
import {
  backupDir,
  DEFAULT_BACKUP_MAX_AGE,
  duration,
  type RetentionFlags,
  retentionPolicy,
  withRetentionFlags,
} from '../backup-flags.js'
import {
  type ChecklistFormat,
  checklistJunit,
  checklistMarkdown,
  checklistText,
  summaryLine,
} from '../checklist/formats.js'
import { gatherEvidence } from '../checklist/gather.js'
import { CHECKLIST } from '../checklist/items.js'
import { judgeChecklist } from '../checklist/report.js'
import { resolveCredentials } from '../credentials.js'
import { EXIT } from '../exit-code.js'
import { parseBaseUrl, parseMetricsUrl } from '../http-client.js'
import { action, positiveInteger, positiveNumber, type Shell } from '../shell.js'

interface ChecklistOptions extends RetentionFlags {
  readonly backupDir?: string
  readonly backupMaxAge: number
  readonly manifests?: string
  readonly url?: string
  readonly metricsUrl?: string
  readonly databaseUrl?: string
  readonly dataDir?: string
  readonly prometheusUrl?: string
  readonly alertmanagerUrl?: string
  readonly maxAge: number
  readonly token?: string
  readonly jwtSecretFile?: string
  readonly smoke: boolean
  readonly p95Ms: number
  readonly format: ChecklistFormat
}

const HELP = `
Every item of the production checklist (docs/production-checklist.md), in its sections: passed,
failed or warning when a check measured it; manual, saying what a person must confirm, when nothing
here can (or nothing was given to check it with); skipped when it does not apply. Sources, each used
only when given: the configuration (always: the same EVENTCORE_* variables as the service), the
database (--database-url, --data-dir or EVENTCORE_DATABASE_URL), a running service (--url: health,
smoke test, deployment checks, metrics, security probes), Prometheus (--prometheus-url: metrics,
alert and SLO rules), Alertmanager (--alertmanager-url: its routing tree), a backup directory
(--backup-dir or EVENTCORE_BACKUP_DIR: validate backup, with --backup-max-age and the --keep-*
retention policy; it backs up the database into a temporary directory and restores it in memory)
and a rendering of the Kubernetes manifests (--manifests <file|->: validate manifests, for the
resource limits, quotas, replicas, disruption budget, probes, rolling update, config and network
policy items).

With --url the smoke test registers, renames and deactivates one user (smoke+<uuid>@example.com);
--no-smoke leaves it out. The security probes spend this machine's anonymous rate-limit budget.

Exit codes: 0 nothing failed (warnings and manual items do not fail), 1 an item failed,
2 bad usage or configuration.

Examples:
  eventcore-cli checklist --url http://127.0.0.1:8080
  kubectl kustomize deploy/k8s/overlays/production | eventcore-cli checklist --manifests - --no-smoke
  eventcore-cli checklist --url https://api.example.com --database-url "$DATABASE_URL" \\
    --prometheus-url http://prometheus:9090 --alertmanager-url http://alertmanager:9093 \\
    --format junit > checklist.xml
`

/** `eventcore-cli checklist`: the whole production checklist, every automatable item measured. */
export function checklistCommand(shell: Shell): Command {
  return withRetentionFlags(new Command('checklist'))
    .description('Runs every check that can be automated and prints the whole production checklist.')
    .option('--url <url>', 'a running service to check, e.g. http://127.0.0.1:8080')
    .option('--metrics-url <url>', 'where /metrics is served when on a port of its own (default: <url>/metrics)')
    .option('--database-url <url>', 'the database to check (default: EVENTCORE_DATABASE_URL)')
    .option('--data-dir <dir>', 'the PGlite directory to check (the service using it must be stopped)')
    .option(
      '--prometheus-url <url>',
      'Prometheus, to check the metrics arrive and are fresh and the alert rules evaluate',
    )
    .option('--alertmanager-url <url>', 'with --prometheus-url: Alertmanager, to check where each severity is routed')
    .option('--max-age <seconds>', 'how old the newest sample in Prometheus may be', positiveInteger, 60)
    .option(
      '--backup-dir <dir>',
      'check the backups in this directory (validate backup; default: EVENTCORE_BACKUP_DIR)',
    )
    .option(
      '--backup-max-age <duration>',
      'with --backup-dir: the oldest the newest backup may be',
      duration,
      duration(DEFAULT_BACKUP_MAX_AGE),
    )
    .option(
      '--manifests <file>',
      'check this rendering of the Kubernetes manifests (validate manifests; a directory, or - for stdin)',
    )
    .option('--token <jwt>', 'a bearer token with the admin role, for the smoke test')
    .option('--jwt-secret-file <file>', 'mint the smoke test its tokens with the HS256 secret in this file')
    .option('--no-smoke', 'leave out the smoke test (it writes one user)')
    .option('--p95-ms <ms>', "the p95 the smoke test's GETs must stay under", positiveNumber, 500)
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'markdown', 'json', 'junit']).default('text'),
    )
    .addHelpText('after', HELP)
    .action(
      action<ChecklistOptions>(shell, async ({ io, global, output }, _args, options) => {
        const url = options.url === undefined ? undefined : parseBaseUrl(options.url)
        const prometheusUrl =
          options.prometheusUrl === undefined ? undefined : parseBaseUrl(options.prometheusUrl, '--prometheus-url')
        const credentials = resolveCredentials(io, {
          ...(options.token === undefined ? {} : { token: options.token }),
          ...(options.jwtSecretFile === undefined ? {} : { jwtSecretFile: options.jwtSecretFile }),
        })
        const database =
          options.databaseUrl !== undefined ||
          options.dataDir !== undefined ||
          io.env.EVENTCORE_DATABASE_URL !== undefined
        const policy = retentionPolicy(options)
        const backup =
          options.backupDir !== undefined || (io.env.EVENTCORE_BACKUP_DIR ?? '') !== ''
            ? {
                dir: backupDir(io, options.backupDir),
                maxAgeMs: options.backupMaxAge,
                now: io.now,
                ...(policy === undefined ? {} : { policy }),
              }
            : undefined
        const evidence = await output.spin('running the production checklist', () =>
          gatherEvidence(io, {
            ...(url === undefined ? {} : { url }),
            ...(options.metricsUrl === undefined ? {} : { metricsUrl: parseMetricsUrl(options.metricsUrl) }),
            ...(prometheusUrl === undefined ? {} : { prometheusUrl }),
            ...(options.alertmanagerUrl === undefined
              ? {}
              : { alertmanagerUrl: parseBaseUrl(options.alertmanagerUrl, '--alertmanager-url') }),
            maxAgeSeconds: options.maxAge,
            database,
            overrides: { EVENTCORE_DATABASE_URL: options.databaseUrl, EVENTCORE_DATA_DIR: options.dataDir },
            credentials,
            smoke: options.smoke,
            p95Ms: options.p95Ms,
            timeoutMs: global.timeoutMs,
            ...(backup === undefined ? {} : { backup }),
            ...(options.manifests === undefined ? {} : { manifests: options.manifests }),
          }),
        )
        const report = judgeChecklist(CHECKLIST, evidence, io.now())
        const exitCode = report.summary.fail > 0 ? EXIT.failed : EXIT.ok
        const format = global.json ? 'json' : options.format
        const text =
          format === 'markdown'
            ? checklistMarkdown(report)
            : format === 'junit'
              ? checklistJunit(report)
              : format === 'json'
                ? `${JSON.stringify(report, null, 2)}\n`
                : checklistText(report, output.colors)
        if (format !== 'text' && format !== 'json') io.stderr(`${summaryLine(report)}\n`)
        return { exitCode, json: report, text }
      }),
    )
}
