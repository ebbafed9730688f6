import { Command, InvalidArgumentError } from 'commander'
import { validateAlerting } from '../alerting-validation.js'
import {
  backupDir,
  DEFAULT_BACKUP_MAX_AGE,
  duration,
  type RetentionFlags,
  retentionPolicy,
  withRetentionFlags,
} from '../backup-flags.js'
import { validateBackup } from '../backup-validation.js'
import { type CheckResult, exitCodeOf, renderChecks } from '../checks.js'
import { bearerToken, type Credentials, resolveCredentials } from '../credentials.js'
import { type DatabaseFlags, requireMigrated, withDatabase, withDatabaseFlags } from '../database-command.js'
import { validateDeployment } from '../deployment-validation.js'
import { parseBaseUrl, parseMetricsUrl } from '../http-client.js'
import { checkManifests } from '../manifests/policy.js'
import { readManifests } from '../manifests/read-manifests.js'
import { validateMetricsEndpoint, validateMetricsInPrometheus } from '../metrics-validation.js'
import type { Output } from '../output.js'
import { validatePerformance } from '../performance.js'
import { action, type Outcome, positiveInteger, positiveNumber, type Shell, usage } from '../shell.js'

/** Parses a fraction 0–1 (`--max-error-rate 0.01` is 1 %). */
function fraction(text: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidArgumentError('expected a fraction from 0 to 1 (0.01 is 1 %)')
  }
  return value
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value]

const report = (url: string, results: readonly CheckResult[], output: Output): Outcome => ({
  exitCode: exitCodeOf(results),
  json: { url, checks: results },
  text: renderChecks(results, output.colors),
})

const tokenOf = async (credentials: Credentials): Promise<string> => {
  if (credentials.kind === 'token') return credentials.token
  if (credentials.kind === 'secret') return credentials.mint({ expired: false })
  throw usage(`the load needs a token with the admin role: ${credentials.why.replace(/^no token: /, '')}`)
}

interface PerformanceFlags {
  readonly url: string
  readonly token?: string
  readonly jwtSecretFile?: string
  readonly p95Ms?: number
  readonly minRps?: number
  readonly maxErrorRate?: number
  readonly maxMemoryMb?: number
  readonly duration: number
  readonly connections: number
  readonly metricsUrl?: string
}

interface MetricsFlags {
  readonly url?: string
  readonly prometheusUrl?: string
  readonly maxAge: number
  readonly job?: string
  readonly businessMetric?: string[]
  readonly token?: string
}

interface AlertingFlags {
  readonly prometheusUrl: string
  readonly alertmanagerUrl?: string
  readonly job: string
}

interface BackupFlags extends DatabaseFlags, RetentionFlags {
  readonly dir?: string
  readonly maxAge: number
}

interface DeploymentFlags {
  readonly url: string
  readonly token?: string
  readonly jwtSecretFile?: string
  readonly metricsUrl?: string
  readonly minCertDays: number
}

const PERFORMANCE_HELP = `
The load: each connection repeats register (a new address), read a user, rename its own user with
If-Match, read, list. Every answer outside 2xx, and every request without an answer, is an error.
Memory is the service's own process_resident_memory_bytes, sampled from /metrics during the run.
Each target given passes or fails with the measured figure; a figure without a target is printed
as skipped (measured, not judged). Mind the service's rate limit (EVENTCORE_RATE_LIMIT_MAX): 429s
count as errors.

Example:
  eventcore-cli validate performance --url http://127.0.0.1:8080 --jwt-secret-file ./jwt-secret \\
    --duration 10 --p95-ms 200 --min-rps 300 --max-error-rate 0.01 --max-memory-mb 512
`

const METRICS_HELP = `
Checks every metric DESIGN §6 and the production checklist name (eventcore_* command, event,
projection and pool metrics, HTTP request metrics, process metrics) and the business metrics
(--business-metric, default users_registered_total and users_deactivated_total).
With --url: the family is declared in <url>/metrics. With --prometheus-url: Prometheus has a sample
of it no older than --max-age seconds (optionally of one scrape --job).

Examples:
  eventcore-cli validate metrics --url http://127.0.0.1:8080
  eventcore-cli validate metrics --prometheus-url http://prometheus:9090 --job eventcore --max-age 60
`

const ALERTING_HELP = `
Asks Prometheus (its /api/v1/rules and /api/v1/alertmanagers) whether the deploy kit's alerting is
live: every alert of deploy/prometheus/alerts.rules.yml is loaded with its severity and evaluates
without error (one firing now is a warning), the SLO recording rules of
deploy/prometheus/recording.rules.yml evaluate, and alerts go to an Alertmanager.
With --alertmanager-url it also walks that Alertmanager's routing tree (its /api/v2/status) as
Alertmanager does, for each alert with its severity and --job: critical alerts must reach a
receiver that notifies someone, warnings no pager (PagerDuty, Opsgenie, VictorOps, Pushover).

Example:
  eventcore-cli validate alerting --prometheus-url http://prometheus:9090 \\
    --alertmanager-url http://alertmanager:9093
`

const BACKUP_HELP = `
Checks, each with its measured figure:
  newest backup age       the newest backup in --dir is no older than --max-age (none: fail)
  newest backup verifies  it passes backup verify (checksums, decoding, order, counts)
  backup create           a backup of the database taken now, into a temporary directory (events/s)
  backup verify           that backup verifies
  restore drill           it restores into an in-memory PGlite: same event count, same log checksum
  point-in-time drill     restored to the time of its middle event: exactly the events recorded by then
  retention               the --keep-* policy would remove nothing from --dir (no policy: warning)
The temporary backup and the in-memory databases are removed afterwards; --dir is only read.

Example:
  eventcore-cli validate backup --dir /var/backups/eventcore --max-age 26h \\
    --keep-daily 7 --keep-weekly 4 --keep-monthly 6 --database-url "$EVENTCORE_DATABASE_URL"
`

const DEPLOYMENT_HELP = `
What the checklist's deployment-validation.sh checks, without kubectl: /health 200, /metrics 200,
/ready 200 with its database check, the TLS certificate (trusted, days to expiry) over https,
security headers, then the whole smoke test (see test smoke --help for tokens).

Example:
  eventcore-cli validate deployment --url https://api.example.com --jwt-secret-file /run/secrets/jwt
`

const MANIFESTS_HELP = `
Checks a rendered manifest set (what kubectl kustomize prints) against the production checklist's
policy, one line per check: replicas, pod disruption budget, rolling update, probes, ports,
resources, image tags, security context, secrets by reference, environment, termination grace,
resource quota, limit range, network policy, autoscaler. Each failure names its object and
container. <file> is a file, a directory (each .yaml/.yml in it, in name order) or - for stdin.
Nothing is applied and no cluster is asked.

Exit codes: 0 nothing failed (warnings do not fail), 1 a check failed, 2 unreadable input or bad YAML.

Examples:
  kubectl kustomize deploy/k8s/overlays/production | eventcore-cli validate manifests -
  eventcore-cli validate manifests rendered.yaml --json
`

/** `eventcore-cli validate …`: performance, metrics, alerting, backup, deployment and manifest validators. */
export function validateCommand(shell: Shell): Command {
  const command = new Command('validate').description('Validates a running deployment against its targets.')
  command
    .command('performance')
    .description('Loads the users API (autocannon) and holds latency, throughput, errors and memory to targets.')
    .requiredOption('--url <url>', 'the service')
    .option('--token <jwt>', 'a bearer token with the admin role')
    .option('--jwt-secret-file <file>', 'mint an admin token with the HS256 secret in this file')
    .option('--p95-ms <ms>', 'the p95 latency target', positiveNumber)
    .option('--min-rps <n>', 'the least 2xx answers per second', positiveNumber)
    .option('--max-error-rate <fraction>', 'the largest share of errors, 0–1', fraction)
    .option('--max-memory-mb <mb>', "the largest resident memory of the service's process", positiveNumber)
    .option('--duration <seconds>', 'how long the load runs', positiveInteger, 10)
    .option('--connections <n>', 'concurrent connections', positiveInteger, 10)
    .option('--metrics-url <url>', 'where /metrics is served, when not at <url>/metrics')
    .addHelpText('after', PERFORMANCE_HELP)
    .action(
      action<PerformanceFlags>(shell, async ({ io, global, output }, _args, options) => {
        const baseUrl = parseBaseUrl(options.url)
        const token = await tokenOf(resolveCredentials(io, options))
        const results = await output.spin(`loading ${baseUrl} for ${options.duration} s`, () =>
          validatePerformance({
            baseUrl,
            token,
            durationSeconds: options.duration,
            connections: options.connections,
            timeoutMs: global.timeoutMs,
            ...(options.metricsUrl === undefined ? {} : { metricsUrl: parseMetricsUrl(options.metricsUrl) }),
            targets: {
              ...(options.p95Ms === undefined ? {} : { p95Ms: options.p95Ms }),
              ...(options.minRps === undefined ? {} : { minRps: options.minRps }),
              ...(options.maxErrorRate === undefined ? {} : { maxErrorRate: options.maxErrorRate }),
              ...(options.maxMemoryMb === undefined ? {} : { maxMemoryMb: options.maxMemoryMb }),
            },
          }),
        )
        return report(baseUrl, results, output)
      }),
    )
  command
    .command('metrics')
    .description('Checks that every metric the checklist and DESIGN §6 name is exported (and, via Prometheus, fresh).')
    .option('--url <url>', 'the service: reads <url>/metrics')
    .option('--prometheus-url <url>', 'a Prometheus scraping the service')
    .option('--max-age <seconds>', 'with --prometheus-url: the oldest a newest sample may be', positiveInteger, 60)
    .option('--job <name>', 'with --prometheus-url: only series of this scrape job')
    .option('--business-metric <name>', 'a business metric to require, repeatable', collect)
    .option('--token <jwt>', 'with --url: a bearer token for a /metrics behind one')
    .addHelpText('after', METRICS_HELP)
    .action(
      action<MetricsFlags>(shell, async ({ global, output }, _args, options) => {
        if ((options.url === undefined) === (options.prometheusUrl === undefined)) {
          throw usage('give one of --url or --prometheus-url')
        }
        const token = options.token === undefined ? undefined : bearerToken(options.token)
        const business = options.businessMetric === undefined ? {} : { businessMetrics: options.businessMetric }
        if (options.prometheusUrl !== undefined) {
          const prometheusUrl = parseBaseUrl(options.prometheusUrl, '--prometheus-url')
          const results = await validateMetricsInPrometheus({
            prometheusUrl,
            maxAgeSeconds: options.maxAge,
            timeoutMs: global.timeoutMs,
            ...(options.job === undefined ? {} : { job: options.job }),
            ...business,
          })
          return report(prometheusUrl, results, output)
        }
        const baseUrl = parseBaseUrl(options.url ?? '')
        const results = await validateMetricsEndpoint({
          metricsUrl: `${baseUrl}/metrics`,
          timeoutMs: global.timeoutMs,
          ...(token === undefined ? {} : { token }),
          ...business,
        })
        return report(baseUrl, results, output)
      }),
    )
  command
    .command('alerting')
    .description(
      "Checks that Prometheus evaluates the deploy kit's alert and SLO rules and sends alerts to an Alertmanager.",
    )
    .requiredOption('--prometheus-url <url>', 'the Prometheus that scrapes the service')
    .option('--alertmanager-url <url>', "also walk this Alertmanager's routing tree")
    .option('--job <name>', 'the job label alerts carry, routed on', 'eventcore')
    .addHelpText('after', ALERTING_HELP)
    .action(
      action<AlertingFlags>(shell, async ({ global, output }, _args, options) => {
        const prometheusUrl = parseBaseUrl(options.prometheusUrl, '--prometheus-url')
        const results = await validateAlerting({
          prometheusUrl,
          timeoutMs: global.timeoutMs,
          job: options.job,
          ...(options.alertmanagerUrl === undefined
            ? {}
            : { alertmanagerUrl: parseBaseUrl(options.alertmanagerUrl, '--alertmanager-url') }),
        })
        return report(prometheusUrl, results, output)
      }),
    )
  withRetentionFlags(
    withDatabaseFlags(
      command
        .command('backup')
        .description(
          'Checks the backups: the newest is recent and verifies, a backup taken now verifies and restores (whole and to a time) with the same log, and retention holds.',
        )
        .option('--dir <dir>', 'the backup directory (default: EVENTCORE_BACKUP_DIR, else ./backups)')
        .option(
          '--max-age <duration>',
          'the oldest the newest backup may be: 26h, 90m, 7d',
          duration,
          duration(DEFAULT_BACKUP_MAX_AGE),
        ),
    ),
  )
    .addHelpText('after', BACKUP_HELP)
    .action(
      action<BackupFlags>(shell, async (context, _args, options) => {
        const dir = backupDir(context.io, options.dir)
        const policy = retentionPolicy(options)
        return withDatabase(context, options, { migrate: 'inspect' }, async (opened) => {
          await requireMigrated(opened)
          const results = await context.output.spin(`validating the backups of ${opened.location}`, (update) =>
            validateBackup({
              store: opened.store,
              dir,
              maxAgeMs: options.maxAge,
              now: context.io.now,
              onProgress: update,
              ...(policy === undefined ? {} : { policy }),
            }),
          )
          return {
            exitCode: exitCodeOf(results),
            json: { dir, database: opened.location, checks: results },
            text: renderChecks(results, context.output.colors),
          }
        })
      }),
    )
  command
    .command('deployment')
    .description("What the checklist's deployment-validation.sh checks, without kubectl.")
    .requiredOption('--url <url>', 'the service')
    .option('--token <jwt>', 'a bearer token with the admin role, for the smoke test')
    .option('--jwt-secret-file <file>', 'mint tokens with the HS256 secret in this file')
    .option('--metrics-url <url>', 'where /metrics is served, when not at <url>/metrics')
    .option('--min-cert-days <days>', 'the fewest days the TLS certificate must still be valid', positiveInteger, 14)
    .addHelpText('after', DEPLOYMENT_HELP)
    .action(
      action<DeploymentFlags>(shell, async ({ io, global, output }, _args, options) => {
        const baseUrl = parseBaseUrl(options.url)
        const credentials = resolveCredentials(io, options)
        const results = await output.spin(`validating ${baseUrl}`, () =>
          validateDeployment({
            baseUrl,
            credentials,
            timeoutMs: global.timeoutMs,
            minCertificateDays: options.minCertDays,
            ...(options.metricsUrl === undefined ? {} : { metricsUrl: parseMetricsUrl(options.metricsUrl) }),
          }),
        )
        return report(baseUrl, results, output)
      }),
    )
  command
    .command('manifests')
    .description("Checks rendered Kubernetes manifests against the production checklist's policy.")
    .argument('<file>', 'a rendered manifest file, a directory of them, or - for stdin')
    .addHelpText('after', MANIFESTS_HELP)
    .action(
      action<object>(shell, async ({ io, output }, args) => {
        const [source = '-'] = args
        const results = checkManifests(await readManifests(source, { cwd: io.cwd }))
        return {
          exitCode: exitCodeOf(results),
          json: { source, checks: results },
          text: renderChecks(results, output.colors),
        }
      }),
    )
  return command
}
