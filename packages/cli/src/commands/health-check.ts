import { Command } from 'commander'
import { type CheckResult, exitCodeOf, renderChecks } from '../checks.js'
import { CliError } from '../cli-error.js'
import { type DatabaseFlags, withDatabase, withDatabaseFlags } from '../database-command.js'
import { databaseHealth } from '../database-health.js'
import { httpRequest, jsonBody, parseBaseUrl, parseMetricsUrl } from '../http-client.js'
import { action, type Shell } from '../shell.js'

interface ReadyCheck {
  readonly name: string
  readonly ok: boolean
  readonly error?: string
}

const readyChecksOf = (body: unknown): ReadyCheck[] => {
  const checks = (body as { checks?: unknown } | undefined)?.checks
  return Array.isArray(checks) ? (checks as ReadyCheck[]) : []
}

/**
 * The probes of a running service, as its orchestrator sees them: `/health` (alive), `/ready` (each
 * readiness check), `/metrics` (Prometheus text with EventCore's metrics). Any answer is judged;
 * only no answer at all is a connection error.
 */
export async function appHealth(
  baseUrl: string,
  timeoutMs: number,
  metricsUrl = `${baseUrl}/metrics`,
): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  const health = await httpRequest(`${baseUrl}/health`, { timeoutMs })
  results.push({
    name: 'GET /health',
    status: health.status === 200 ? 'pass' : 'fail',
    detail: `HTTP ${health.status}`,
    figure: { value: Math.round(health.ms * 10) / 10, unit: 'ms' },
  })
  const ready = await httpRequest(`${baseUrl}/ready`, { timeoutMs })
  // Ready: `{ status: 'ok' | 'degraded', checks }`; not ready: problem details, whose `status` is the HTTP code.
  const readyBody = jsonBody(ready) as { status?: string | number; detail?: string } | undefined
  const readyStatus = typeof readyBody?.status === 'string' ? readyBody.status : undefined
  const readyChecks = readyChecksOf(readyBody)
  results.push({
    name: 'GET /ready',
    status: ready.status === 200 ? (readyStatus === 'degraded' ? 'warn' : 'pass') : 'fail',
    detail: `HTTP ${ready.status}, ${readyStatus ?? readyBody?.detail ?? 'no status'}`,
    figure: { value: Math.round(ready.ms * 10) / 10, unit: 'ms' },
  })
  for (const check of readyChecks) {
    results.push({
      name: `  ready: ${check.name}`,
      status: check.ok ? 'pass' : 'fail',
      detail: check.ok ? 'ok' : (check.error ?? 'failing'),
    })
  }
  const metrics = await httpRequest(metricsUrl, { timeoutMs })
  const families = new Set(
    [...metrics.body.matchAll(/^# TYPE (eventcore_\w+) /gm)].map((match) => match[1] ?? '').filter(Boolean),
  )
  const isText = (metrics.headers.get('content-type') ?? '').startsWith('text/plain')
  results.push({
    name: 'GET /metrics',
    status: metrics.status === 200 && isText && families.size > 0 ? 'pass' : 'fail',
    detail:
      metrics.status !== 200
        ? `HTTP ${metrics.status} (is /metrics on EVENTCORE_METRICS_PORT or behind a token?)`
        : `${families.size} eventcore_* metric families`,
    figure: { value: Math.round(metrics.ms * 10) / 10, unit: 'ms' },
  })
  return results
}

/** `eventcore-cli health-check …`: is the database, or a running service, healthy? */
export function healthCheckCommand(shell: Shell): Command {
  const command = new Command('health-check').description('Checks the health of the database or a running service.')
  command
    .command('app')
    .description('Calls /health, /ready (with each readiness check) and /metrics of a running service.')
    .requiredOption('--url <url>', 'the service, e.g. http://127.0.0.1:8080')
    .option('--metrics-url <url>', 'where /metrics is served when on a port of its own (EVENTCORE_METRICS_PORT)')
    .addHelpText('after', '\nExample:\n  eventcore-cli health-check app --url http://127.0.0.1:8080\n')
    .action(
      action<{ url: string; metricsUrl?: string }>(shell, async ({ global, output }, _args, options) => {
        const base = parseBaseUrl(options.url)
        const results = await output.spin(`checking ${base}`, () =>
          appHealth(
            base,
            global.timeoutMs,
            options.metricsUrl === undefined ? undefined : parseMetricsUrl(options.metricsUrl),
          ),
        )
        if (results.length === 0) throw new CliError('connection', `${base}: no answer`)
        return {
          exitCode: exitCodeOf(results),
          json: { url: base, checks: results },
          text: renderChecks(results, output.colors),
        }
      }),
    )
  withDatabaseFlags(
    command
      .command('database')
      .description(
        "Connects to the database the service would use and measures it: round-trip latency, migrations (applied vs this binary's latest), pool settings, TLS on this connection, server version, role. Never migrates.",
      ),
  )
    .addHelpText(
      'after',
      `
Exit codes: 0 no check failed (warnings allowed), 1 a check failed (e.g. the schema is behind: run
eventcore-cli migrate), 2 no connection within --timeout or a bad configuration.

Examples:
  eventcore-cli health-check database
  eventcore-cli health-check database --database-url postgres://app@db.internal:5432/app --json
  eventcore-cli health-check database --data-dir ./data
`,
    )
    .action(
      action<DatabaseFlags>(shell, async (context, _args, flags) => {
        const { global, output } = context
        const health = await withDatabase(context, flags, { migrate: 'inspect' }, (opened, config) =>
          output.spin(`checking ${opened.location}`, () =>
            databaseHealth(opened, { timeoutMs: global.timeoutMs, pool: config.database }),
          ),
        )
        return {
          exitCode: exitCodeOf(health.checks),
          json: health,
          text: renderChecks(health.checks, output.colors),
        }
      }),
    )
  return command
}
