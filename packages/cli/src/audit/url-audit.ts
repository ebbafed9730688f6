import { isCliError } from '../cli-error.js'
import { behindTlsProxy } from '../forwarded-proto.js'
import { type HttpResponse, httpRequest } from '../http-client.js'
import { MIN_HSTS_SECONDS } from './config-audit.js'
import type { Finding } from './finding.js'
import { finding } from './rules.js'

/** What {@link auditUrl} sends and how long it may take. */
export interface UrlAuditOptions {
  /** Each request's deadline, and the whole bad-token flood's. */
  readonly timeoutMs: number
  /** A valid token: the malformed-body probe then passes authentication and reaches the body parser. */
  readonly token?: string
  /** An authenticated API route (GET for the flood and CORS, POST for the malformed body). @default '/api/v1/users' */
  readonly apiPath?: string
  /** The most bad-token requests the flood sends (fewer when `RateLimit-Limit` says so). @default 300 */
  readonly floodMax?: number
  /** Told what was measured or could not be checked, e.g. how many bad tokens it took to be limited. */
  readonly onNote?: (note: string) => void
}

/** The origin the CORS probes claim: no service should allow it. */
export const EVIL_ORIGIN = 'https://evil.example'
/** Requests sent at once during the flood. */
const FLOOD_CONCURRENCY = 10
/** Requests past the advertised limit the flood sends before it calls the limit missing. */
const FLOOD_MARGIN = 20
/** Deliberately broken JSON. */
const MALFORMED_JSON = '{"email": "audit@example.com", "name": '

// What error answers must not carry: V8 stack frames, Node internals, installed modules, source paths.
const INTERNALS: readonly RegExp[] = [
  /\bat [^\s()]+ \([^)\s]*:\d+:\d+\)/,
  /\bat (?:file:\/\/|node:|\/)[^\s)]*:\d+:\d+/,
  /node:internal/,
  /node_modules[\\/]/,
  /(?:\/[\w.-]+)+\.(?:[cm]?js|ts):\d+/,
]

/** The part of `body` that gives internals away, or `undefined`. */
export function revealedInternals(body: string): string | undefined {
  for (const pattern of INTERNALS) {
    const match = pattern.exec(body)
    if (match) return match[0].slice(0, 120)
  }
  return undefined
}

type ProbeHeaders = Readonly<Record<string, string>>

const header = (response: HttpResponse, name: string): string | undefined => response.headers.get(name) ?? undefined

function headerFindings(url: string, root: HttpResponse): Finding[] {
  const findings: Finding[] = []
  const where = `GET ${url} answered ${root.status}`
  if (header(root, 'x-content-type-options')?.toLowerCase() !== 'nosniff') {
    findings.push(finding('EC-NET-022', 'url', `${where} without X-Content-Type-Options: nosniff`, url))
  }
  const csp = header(root, 'content-security-policy')
  if (csp === undefined) findings.push(finding('EC-NET-023', 'url', `${where} without Content-Security-Policy`, url))
  const frameOptions = header(root, 'x-frame-options')?.toUpperCase()
  const frameAncestors = /frame-ancestors\s+'none'/.test(csp ?? '') || /frame-ancestors\s+'self'/.test(csp ?? '')
  if (frameOptions !== 'DENY' && frameOptions !== 'SAMEORIGIN' && !frameAncestors) {
    findings.push(finding('EC-NET-024', 'url', `${where} without X-Frame-Options nor CSP frame-ancestors`, url))
  }
  if (header(root, 'referrer-policy') === undefined) {
    findings.push(finding('EC-NET-025', 'url', `${where} without Referrer-Policy`, url))
  }
  const disclosed = ['server', 'x-powered-by']
    .map((name) => [name, header(root, name)] as const)
    .filter(([, value]) => value !== undefined)
  if (disclosed.length > 0) {
    const shown = disclosed.map(([name, value]) => `${name}: ${value}`).join(', ')
    findings.push(finding('EC-DATA-020', 'url', `${where} with ${shown}`, url))
  }
  const hsts = header(root, 'strict-transport-security')
  if (hsts === undefined) {
    const how = url.startsWith('https:') ? '' : ' (over http://: the answer a TLS-terminating proxy would pass on)'
    findings.push(finding('EC-ENC-021', 'url', `${where} without Strict-Transport-Security${how}`, url))
  } else {
    const maxAge = Number(/max-age=(\d+)/i.exec(hsts)?.[1] ?? 0)
    if (maxAge < MIN_HSTS_SECONDS) {
      findings.push(finding('EC-ENC-022', 'url', `Strict-Transport-Security: ${hsts} (max-age ${maxAge} s)`, url))
    }
  }
  return findings
}

/** Is plain HTTP refused or redirected? Over https://, asks the same host on http://; over http://, acts as a proxy forwarding plain HTTP. */
async function plainHttp(base: string, timeoutMs: number): Promise<Finding[]> {
  const secure = base.startsWith('https:')
  const target = secure ? `http://${new URL(base).hostname}/` : `${base}/`
  let answer: HttpResponse
  try {
    answer = await httpRequest(target, { timeoutMs, headers: { 'x-forwarded-proto': 'http' } })
  } catch (error) {
    if (secure && isCliError(error)) return [] // nothing listens on plain HTTP: refused
    throw error
  }
  const location = header(answer, 'location') ?? ''
  const redirected = answer.status >= 300 && answer.status < 400 && location.startsWith('https:')
  const refused = [400, 403, 421, 426].includes(answer.status)
  if (redirected || refused) return []
  const how = secure ? '' : ' with X-Forwarded-Proto: http, as a proxy forwards a plain-HTTP request'
  return [
    finding(
      'EC-ENC-020',
      'url',
      `GET ${target}${how} answered ${answer.status}, not a redirect to https or a refusal`,
      target,
    ),
  ]
}

async function cors(url: string, timeoutMs: number, proxied: ProbeHeaders): Promise<Finding[]> {
  const preflight = await httpRequest(url, {
    method: 'OPTIONS',
    timeoutMs,
    headers: {
      ...proxied,
      origin: EVIL_ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  })
  const simple = await httpRequest(url, { timeoutMs, headers: { ...proxied, origin: EVIL_ORIGIN } })
  const answers = [
    ['preflight OPTIONS', header(preflight, 'access-control-allow-origin')],
    ['GET', header(simple, 'access-control-allow-origin')],
  ] as const
  const reflected = answers.filter(([, allowed]) => allowed === EVIL_ORIGIN).map(([what]) => what)
  if (reflected.length > 0) {
    return [
      finding(
        'EC-NET-020',
        'url',
        `${reflected.join(' and ')} with Origin: ${EVIL_ORIGIN} answered Access-Control-Allow-Origin: ${EVIL_ORIGIN}`,
        url,
      ),
    ]
  }
  const any = answers.filter(([, allowed]) => allowed === '*').map(([what]) => what)
  if (any.length > 0) {
    return [
      finding(
        'EC-NET-021',
        'url',
        `${any.join(' and ')} with Origin: ${EVIL_ORIGIN} answered Access-Control-Allow-Origin: *`,
        url,
      ),
    ]
  }
  return []
}

async function metrics(base: string, timeoutMs: number): Promise<Finding[]> {
  const url = `${base}/metrics`
  const answer = await httpRequest(url, { timeoutMs })
  if (answer.status === 200 && /^# (TYPE|HELP) /m.test(answer.body)) {
    const families = answer.body.match(/^# TYPE /gm)?.length ?? 0
    return [
      finding('EC-DATA-021', 'url', `GET ${url} without a token answered 200 with ${families} metric families`, url),
    ]
  }
  return []
}

async function malformedBody(url: string, options: UrlAuditOptions, proxied: ProbeHeaders): Promise<Finding[]> {
  const headers: Record<string, string> = { ...proxied, 'content-type': 'application/json' }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  const answer = await httpRequest(url, { method: 'POST', timeoutMs: options.timeoutMs, headers, body: MALFORMED_JSON })
  const revealed = revealedInternals(answer.body)
  if (answer.status !== 400) {
    options.onNote?.(
      `POST ${url} with malformed JSON answered ${answer.status}, so the body parser's errors were not seen${options.token ? '' : ' (give --token)'}`,
    )
  }
  if (revealed === undefined) return []
  return [
    finding(
      'EC-DATA-022',
      'url',
      `POST ${url} with malformed JSON answered ${answer.status} showing "${revealed}"`,
      url,
    ),
  ]
}

/** Sends bad-token requests until one is answered 429; how many that took, or none within the bound. */
async function flood(url: string, options: UrlAuditOptions, proxied: ProbeHeaders): Promise<Finding[]> {
  const { timeoutMs, floodMax = 300, onNote } = options
  const send = () => httpRequest(url, { timeoutMs, headers: { ...proxied, authorization: 'Bearer audit.bad.token' } })
  const first = await send()
  if (first.status >= 300 && first.status < 400) {
    onNote?.(
      `rate limit not checked: GET ${url} was answered ${first.status} (plain HTTP redirected before any limit applies); audit the https URL, or trust the proxy (EVENTCORE_TRUST_PROXY)`,
    )
    return []
  }
  const advertised = Number(header(first, 'ratelimit-limit') ?? Number.NaN)
  const bound = Number.isFinite(advertised) ? Math.min(floodMax, advertised + FLOOD_MARGIN) : floodMax
  const deadline = performance.now() + timeoutMs
  let sent = 1
  let limitedAt = first.status === 429 ? 1 : undefined
  while (limitedAt === undefined && sent < bound && performance.now() < deadline) {
    const batch = Math.min(FLOOD_CONCURRENCY, bound - sent)
    const answers = await Promise.all(Array.from({ length: batch }, send))
    const index = answers.findIndex((answer) => answer.status === 429)
    if (index >= 0) limitedAt = sent + index + 1
    sent += batch
  }
  if (limitedAt !== undefined) {
    onNote?.(
      `a flood of bad tokens was answered 429 after ${limitedAt} requests${Number.isFinite(advertised) ? ` (RateLimit-Limit: ${advertised})` : ''}`,
    )
    return []
  }
  const limit = Number.isFinite(advertised) ? `RateLimit-Limit: ${advertised}; ` : ''
  const why = sent < bound ? ` (stopped by --timeout ${timeoutMs} ms)` : ''
  return [
    finding(
      'EC-AUTH-020',
      'url',
      `${limit}${sent} requests to GET ${url} with a bad token (first answered ${first.status}) got no 429${why}`,
      url,
    ),
  ]
}

/**
 * Audits a running service from outside: security headers, HSTS, plain HTTP refused or redirected,
 * CORS with an arbitrary `Origin`, `/metrics` without a token, internals in an error answer, and a
 * flood of bad tokens being rate limited. The flood runs last and spends this client's rate-limit
 * budget (up to `RateLimit-Limit` + 20 requests, at most `floodMax`, within `timeoutMs`). A URL that
 * does not answer is a connection error.
 *
 * @example
 * const findings = await auditUrl('https://api.example.com', { timeoutMs: 10_000 })
 */
export async function auditUrl(baseUrl: string, options: UrlAuditOptions): Promise<Finding[]> {
  const base = baseUrl.replace(/\/+$/, '')
  const api = `${base}${options.apiPath ?? '/api/v1/users'}`
  // Over http:// the audit stands where a TLS-terminating proxy would: its probes say they came
  // over https (believed only where the service trusts the proxy), except the one that tests plain HTTP.
  const proxied: ProbeHeaders = behindTlsProxy(base)
  const root = await httpRequest(`${base}/`, { timeoutMs: options.timeoutMs, headers: proxied })
  return [
    ...headerFindings(`${base}/`, root),
    ...(await plainHttp(base, options.timeoutMs)),
    ...(await cors(api, options.timeoutMs, proxied)),
    ...(await metrics(base, options.timeoutMs)),
    ...(await malformedBody(api, options, proxied)),
    ...(await flood(api, options, proxied)),
  ]
}
