import type { CheckResult } from './checks.js'
import type { Credentials } from './credentials.js'
import { type HttpResponse, httpRequest, jsonBody } from './http-client.js'
import { roundMs } from './latency.js'
import { smokeTest } from './smoke.js'
import { presentedCertificate } from './tls-certificate.js'

/** What {@link validateDeployment} checks. */
export interface DeploymentOptions {
  readonly baseUrl: string
  readonly credentials: Credentials
  readonly timeoutMs: number
  /** Fewer days than this before the certificate expires is a failure. @default 14 */
  readonly minCertificateDays?: number
  /** Where the metrics are served, when not on the API's port. @default `${baseUrl}/metrics` */
  readonly metricsUrl?: string
  /** Passed to the smoke test. */
  readonly smoke?: { readonly requests?: number; readonly p95Ms?: number }
  readonly now?: () => Date
}

const DAY_MS = 24 * 60 * 60 * 1000

const status200 = (name: string, response: HttpResponse, extra = ''): CheckResult => ({
  name,
  status: response.status === 200 ? 'pass' : 'fail',
  detail: `HTTP ${response.status}${extra}`,
  figure: { value: roundMs(response.ms), unit: 'ms' },
})

/** The security headers every answer should carry, judged on `/health`'s. */
function headerChecks(response: HttpResponse, https: boolean): CheckResult[] {
  const header = (name: string) => response.headers.get(name)
  const results: CheckResult[] = [
    {
      name: 'headers: X-Content-Type-Options nosniff',
      status: header('x-content-type-options') === 'nosniff' ? 'pass' : 'fail',
      detail: header('x-content-type-options') ?? 'absent',
    },
    {
      name: 'headers: no X-Powered-By',
      status: header('x-powered-by') === null ? 'pass' : 'fail',
      detail: header('x-powered-by') === null ? 'absent' : `reveals ${header('x-powered-by')}`,
    },
    {
      name: 'headers: a content type',
      status: header('content-type') === null ? 'fail' : 'pass',
      detail: header('content-type') ?? 'absent',
    },
  ]
  const hsts = header('strict-transport-security')
  results.push(
    https
      ? {
          name: 'headers: Strict-Transport-Security',
          status: hsts ? 'pass' : 'fail',
          detail: hsts ?? 'absent over HTTPS',
        }
      : { name: 'headers: Strict-Transport-Security', status: 'skip', detail: 'plain HTTP: HSTS applies to HTTPS' },
  )
  return results
}

async function certificateCheck(url: URL, minDays: number, timeoutMs: number, now: Date): Promise<CheckResult> {
  const name = 'TLS certificate'
  if (url.protocol !== 'https:') return { name, status: 'skip', detail: 'plain HTTP: no certificate to check' }
  const port = url.port === '' ? 443 : Number(url.port)
  const certificate = await presentedCertificate(url.hostname, port, timeoutMs)
  const days = Math.floor((certificate.validTo.getTime() - now.getTime()) / DAY_MS)
  const figure = { value: days, unit: 'days to expiry', limit: minDays }
  const about = `${certificate.subject}, issued by ${certificate.issuer}, ${certificate.protocol}`
  if (!certificate.trusted)
    return { name, status: 'fail', detail: `not trusted: ${certificate.why} (${about})`, figure }
  if (days < minDays) return { name, status: 'fail', detail: `expires too soon (${about})`, figure }
  return { name, status: 'pass', detail: `trusted (${about})`, figure }
}

/**
 * What the checklist's `deployment-validation.sh` checks, without kubectl: the TLS certificate
 * (trusted, days to expiry) when the URL is https — an untrusted one ends the run there — then
 * `/health` 200, `/metrics` 200, `/ready` 200 with its database check passing, sane response
 * headers, and the smoke test ({@link smokeTest}).
 *
 * @example
 * const results = await validateDeployment({ baseUrl: 'https://api.example.com', credentials, timeoutMs: 5000 })
 */
export async function validateDeployment(options: DeploymentOptions): Promise<CheckResult[]> {
  const { baseUrl, credentials, timeoutMs, minCertificateDays = 14, smoke = {}, now = () => new Date() } = options
  const url = new URL(baseUrl)
  const certificate = await certificateCheck(url, minCertificateDays, timeoutMs, now())
  // An untrusted certificate ends the run: nothing else can be asked without trusting it.
  if (certificate.status === 'fail' && certificate.detail.startsWith('not trusted')) return [certificate]
  const results: CheckResult[] = [certificate]
  const health = await httpRequest(`${baseUrl}/health`, { timeoutMs })
  results.push(status200('GET /health', health))
  const metrics = await httpRequest(options.metricsUrl ?? `${baseUrl}/metrics`, { timeoutMs })
  results.push(status200('GET /metrics', metrics))
  const ready = await httpRequest(`${baseUrl}/ready`, { timeoutMs })
  const checks = (jsonBody(ready) as { checks?: { name?: string; ok?: boolean; error?: string }[] } | undefined)?.checks
  const database = Array.isArray(checks) ? checks.find((check) => check.name === 'database') : undefined
  results.push(status200('GET /ready', ready))
  results.push({
    name: 'ready: database',
    status: database?.ok === true ? 'pass' : 'fail',
    detail:
      database === undefined ? '/ready reports no database check' : database.ok ? 'ok' : (database.error ?? 'failing'),
  })
  results.push(...headerChecks(health, url.protocol === 'https:'))
  const smokeResults = await smokeTest({ baseUrl, credentials, timeoutMs, ...smoke })
  results.push(...smokeResults.map((result) => ({ ...result, name: `smoke: ${result.name}` })))
  return results
}
