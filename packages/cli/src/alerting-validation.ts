import { type AlertRouting, alertRoutingOf, receiversOf } from './alert-routing.js'
import type { CheckResult } from './checks.js'
import { CliError } from './cli-error.js'
import { httpRequest, jsonBody } from './http-client.js'
import { prometheusApi } from './prometheus-api.js'

/** An alert the deploy kit's rules define (`deploy/prometheus/alerts.rules.yml`), by its severity. */
export interface RequiredAlert {
  readonly name: string
  readonly severity: 'critical' | 'warning'
}

/**
 * The alerts of `deploy/prometheus/alerts.rules.yml` (a test holds this list to the file). The
 * burn-rate alerts have a critical rule (fast burn, pages) and a warning one (slow burn).
 */
export const REQUIRED_ALERTS: readonly RequiredAlert[] = [
  { name: 'EventCoreDown', severity: 'critical' },
  { name: 'EventCoreHighErrorRate', severity: 'critical' },
  { name: 'EventCoreDatabaseConnectionFailures', severity: 'critical' },
  { name: 'EventCoreDatabaseConnectionFailures', severity: 'warning' },
  { name: 'EventCoreProjectionStopped', severity: 'critical' },
  { name: 'EventCoreAvailabilityBudgetBurn', severity: 'critical' },
  { name: 'EventCoreLatencyBudgetBurn', severity: 'critical' },
  { name: 'EventCoreCommandLatencyHigh', severity: 'warning' },
  { name: 'EventCoreProjectionLagging', severity: 'warning' },
  { name: 'EventCoreConnectionPoolSaturated', severity: 'warning' },
  { name: 'EventCoreDeadLetters', severity: 'warning' },
  { name: 'EventCoreMemoryHigh', severity: 'warning' },
  { name: 'EventCoreAvailabilityBudgetBurn', severity: 'warning' },
  { name: 'EventCoreLatencyBudgetBurn', severity: 'warning' },
]

/** The SLO recording rules' names start with this (`eventcore:slo_availability_errors:ratio_rate5m`…). */
export const SLO_RECORDING_PREFIX = 'eventcore:slo_'

/** A rule as Prometheus's `/api/v1/rules` lists it (the fields read here). */
interface LoadedRule {
  readonly name: string
  readonly type: 'alerting' | 'recording'
  readonly health: 'ok' | 'err' | 'unknown'
  readonly lastError?: string
  readonly state?: 'inactive' | 'pending' | 'firing'
  /** `for:`, in seconds. */
  readonly duration?: number
  readonly labels?: Readonly<Record<string, string>>
}

const rulesOf = (data: unknown): LoadedRule[] => {
  const groups = (data as { groups?: { rules?: LoadedRule[] }[] } | undefined)?.groups ?? []
  return groups.flatMap((group) => group.rules ?? [])
}

const healthOf = (rule: LoadedRule): CheckResult['status'] =>
  rule.health === 'err' ? 'fail' : rule.health === 'unknown' ? 'warn' : rule.state === 'firing' ? 'warn' : 'pass'

function alertCheck(required: RequiredAlert, rules: readonly LoadedRule[]): CheckResult {
  const name = `${required.severity} alert ${required.name}`
  const rule = rules.find(
    (candidate) =>
      candidate.type === 'alerting' &&
      candidate.name === required.name &&
      candidate.labels?.severity === required.severity,
  )
  if (rule === undefined) {
    return { name, status: 'fail', detail: 'not loaded: add deploy/prometheus/alerts.rules.yml to rule_files' }
  }
  const status = healthOf(rule)
  const detail =
    rule.health === 'err'
      ? `fails to evaluate: ${rule.lastError ?? 'no reason given'}`
      : rule.health === 'unknown'
        ? 'loaded, not evaluated yet'
        : rule.state === 'firing'
          ? 'firing now'
          : `loaded and evaluating (${rule.state ?? 'inactive'}, for: ${rule.duration ?? 0} s)`
  return { name, status, detail }
}

function sloRecording(rules: readonly LoadedRule[]): CheckResult {
  const name = 'SLO recording rules evaluate'
  const slo = rules.filter((rule) => rule.type === 'recording' && rule.name.startsWith(SLO_RECORDING_PREFIX))
  if (slo.length === 0) {
    return { name, status: 'fail', detail: 'none loaded: add deploy/prometheus/recording.rules.yml to rule_files' }
  }
  const broken = slo.filter((rule) => rule.health === 'err')
  if (broken.length > 0) {
    const first = broken[0]
    return { name, status: 'fail', detail: `${broken.length} fail, e.g. ${first?.name}: ${first?.lastError ?? ''}` }
  }
  const pending = slo.filter((rule) => rule.health !== 'ok').length
  return pending > 0
    ? { name, status: 'warn', detail: `${pending} of ${slo.length} not evaluated yet` }
    : { name, status: 'pass', detail: `${slo.length} rules, every one evaluating` }
}

async function alertmanagerCheck(prometheusUrl: string, timeoutMs: number): Promise<CheckResult> {
  const name = 'alertmanager receives the alerts'
  const answer = await prometheusApi(prometheusUrl, '/api/v1/alertmanagers', timeoutMs)
  const active = (answer.data as { activeAlertmanagers?: { url: string }[] } | undefined)?.activeAlertmanagers ?? []
  return active.length === 0
    ? { name, status: 'fail', detail: 'Prometheus sends alerts to no Alertmanager: alerts fire, nobody is told' }
    : { name, status: 'pass', detail: active.map((manager) => manager.url).join(', ') }
}

async function routingOf(alertmanagerUrl: string, timeoutMs: number): Promise<AlertRouting> {
  const response = await httpRequest(`${alertmanagerUrl}/api/v2/status`, { timeoutMs })
  const original = (jsonBody(response) as { config?: { original?: string } } | undefined)?.config?.original
  if (response.status !== 200 || typeof original !== 'string') {
    throw new CliError('connection', `${alertmanagerUrl}/api/v2/status: HTTP ${response.status}, no configuration`)
  }
  return alertRoutingOf(original)
}

/** Integrations that wake someone up, as opposed to a channel or a mailbox. */
const PAGERS = new Set(['pagerduty_configs', 'opsgenie_configs', 'victorops_configs', 'pushover_configs'])

/** Where each alert of `severity` goes: its receivers with their integrations. */
function destinations(routing: AlertRouting, severity: RequiredAlert['severity'], job: string) {
  return REQUIRED_ALERTS.filter((alert) => alert.severity === severity).map((alert) => {
    const receivers = receiversOf(routing.route, { alertname: alert.name, severity, job })
    const integrations = receivers.flatMap((receiver) => routing.receivers.get(receiver) ?? [])
    return { alert: alert.name, receivers, integrations }
  })
}

const shown = (receivers: readonly string[], routing: AlertRouting): string =>
  receivers
    .map((receiver) => `${receiver} (${(routing.receivers.get(receiver) ?? []).join(', ') || 'nothing'})`)
    .join(', ')

/**
 * Alertmanager's routing tree, walked as Alertmanager walks it: every critical alert reaches a
 * receiver that notifies someone, and warnings reach no pager (PagerDuty, Opsgenie, VictorOps, Pushover).
 */
function routingChecks(routing: AlertRouting, job: string): CheckResult[] {
  type Routes = ReturnType<typeof destinations>
  const check = (name: string, routes: Routes, concern?: (routes: Routes) => string | undefined): CheckResult => {
    const alertsOf = (some: Routes) => some.map((route) => route.alert).join(', ')
    const silent = routes.filter((route) => route.integrations.length === 0)
    if (silent.length > 0) return { name, status: 'fail', detail: `notify nobody: ${alertsOf(silent)}` }
    const worry = concern?.(routes)
    if (worry !== undefined) return { name, status: 'warn', detail: worry }
    return {
      name,
      status: 'pass',
      detail: `to ${shown([...new Set(routes.flatMap((route) => route.receivers))], routing)}`,
    }
  }
  const paging = (routes: Routes) => {
    const paged = routes.filter((route) => route.integrations.some((integration) => PAGERS.has(integration)))
    return paged.length > 0 ? `warnings page people: ${paged.map((route) => route.alert).join(', ')}` : undefined
  }
  return [
    check('alertmanager routes critical alerts', destinations(routing, 'critical', job)),
    check('alertmanager routes warnings apart from pages', destinations(routing, 'warning', job), paging),
  ]
}

/**
 * Checks, through Prometheus's HTTP API, that the deploy kit's alerting is live: every alert of
 * {@link REQUIRED_ALERTS} is loaded with its severity and evaluates without error (a firing one is
 * a warning), the SLO recording rules evaluate, and Prometheus
 * sends its alerts to an Alertmanager. With `alertmanagerUrl`, also walks that Alertmanager's
 * routing tree (`/api/v2/status`): critical alerts reach a receiver that notifies someone, and
 * warnings reach no pager.
 *
 * @example
 * const results = await validateAlerting({ prometheusUrl: 'http://prometheus:9090', timeoutMs: 5000 })
 */
export async function validateAlerting(options: {
  readonly prometheusUrl: string
  readonly timeoutMs: number
  readonly alertmanagerUrl?: string
  /** The `job` label routed on. @default 'eventcore' */
  readonly job?: string
}): Promise<CheckResult[]> {
  const { prometheusUrl, timeoutMs, alertmanagerUrl, job = 'eventcore' } = options
  const rules = rulesOf((await prometheusApi(prometheusUrl, '/api/v1/rules', timeoutMs)).data)
  return [
    ...REQUIRED_ALERTS.map((required) => alertCheck(required, rules)),
    sloRecording(rules),
    await alertmanagerCheck(prometheusUrl, timeoutMs),
    ...(alertmanagerUrl === undefined ? [] : routingChecks(await routingOf(alertmanagerUrl, timeoutMs), job)),
  ]
}
