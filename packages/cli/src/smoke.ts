import { randomBytes, randomUUID } from 'node:crypto'
import type { CheckResult } from './checks.js'
import { type Credentials, tokenOf } from './credentials.js'
import { behindTlsProxy } from './forwarded-proto.js'
import { type HttpResponse, httpRequest, jsonBody } from './http-client.js'
import { percentile, roundMs } from './latency.js'

/** What {@link smokeTest} runs against. */
export interface SmokeOptions {
  /** The service, e.g. `https://api.example.com` (no trailing slash). */
  readonly baseUrl: string
  readonly credentials: Credentials
  /** GETs of the registered user for the performance check. @default 20 */
  readonly requests?: number
  /** The p95 those GETs must stay under, in milliseconds. @default 500 */
  readonly p95Ms?: number
  readonly timeoutMs: number
  /** Makes the unique part of the smoke user's address. @default randomUUID */
  readonly newId?: () => string
}

const USERS = '/api/v1/users'
/** GETs in flight at once in the performance check: light, so a smoke test never loads a service. */
const CONCURRENCY = 4

/** A token with one character of its signature changed: well-formed, but its signature is wrong. */
export function tamperedToken(token: string): string {
  const parts = token.split('.')
  const signature = parts[2] ?? ''
  // The middle, never the last character: its low bits may be padding that decoders ignore.
  const at = Math.floor(signature.length / 2)
  const flipped = signature[at] === 'A' ? 'B' : 'A'
  return [parts[0], parts[1], `${signature.slice(0, at)}${flipped}${signature.slice(at + 1)}`].join('.')
}

/** Why an answer was not the one expected: its status and, for a problem, its detail. */
function answer(response: HttpResponse): string {
  const problem = jsonBody(response) as { detail?: unknown; title?: unknown } | undefined
  const why =
    typeof problem?.detail === 'string' ? problem.detail : typeof problem?.title === 'string' ? problem.title : ''
  const limited = response.status === 429 ? ' (rate limited: raise EVENTCORE_RATE_LIMIT_MAX or wait)' : ''
  return `HTTP ${response.status}${why ? `: ${why.slice(0, 160)}` : ''}${limited}`
}

function expectStatus(
  name: string,
  response: HttpResponse,
  ok: (status: number) => boolean,
  want: string,
): CheckResult {
  const passed = ok(response.status)
  return {
    name,
    status: passed ? 'pass' : 'fail',
    detail: passed ? answer(response) : `${answer(response)}, expected ${want}`,
    figure: { value: roundMs(response.ms), unit: 'ms' },
  }
}

const skip = (name: string, why: string): CheckResult => ({ name, status: 'skip', detail: why })
const is2xx = (status: number) => status >= 200 && status < 300
const isProblem = (response: HttpResponse) =>
  (response.headers.get('content-type') ?? '').startsWith('application/problem+json')

interface SmokeUser {
  readonly id: string
  readonly email: string
  etag: string
}

/**
 * The post-deployment smoke test of the users API: health, authentication, core functionality
 * (register, read back, rename with `If-Match`, deactivate), error handling and a small latency
 * sample. Each check is its own result with its latency; a check that cannot run here is `skip`
 * and says why. Only a service that does not answer at all throws (a `connection` error).
 *
 * @example
 * const results = await smokeTest({ baseUrl, credentials: { kind: 'token', token }, timeoutMs: 5000 })
 */
export async function smokeTest(options: SmokeOptions): Promise<CheckResult[]> {
  const { baseUrl, credentials, requests = 20, p95Ms = 500, timeoutMs, newId = randomUUID } = options
  const call = (
    path: string,
    init: { method?: string; token?: string; headers?: Record<string, string>; body?: unknown } = {},
  ) =>
    httpRequest(`${baseUrl}${path}`, {
      timeoutMs,
      ...(init.method === undefined ? {} : { method: init.method }),
      ...(init.body === undefined ? {} : { body: init.body }),
      headers: {
        ...behindTlsProxy(baseUrl),
        ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
        ...init.headers,
      },
    })
  const results: CheckResult[] = []

  results.push(expectStatus('health: GET /health', await call('/health'), (s) => s === 200, 'HTTP 200'))
  results.push(expectStatus('health: GET /ready', await call('/ready'), (s) => s === 200, 'HTTP 200'))

  const token = await tokenOf(credentials)
  const noToken = credentials.kind === 'none' ? credentials.why : ''

  results.push(
    token === undefined
      ? skip('auth: a valid token gets 2xx', noToken)
      : expectStatus('auth: a valid token gets 2xx', await call('/api/v1/me', { token }), is2xx, 'a 2xx'),
  )
  results.push(expectStatus('auth: no token gets 401', await call('/api/v1/me'), (s) => s === 401, 'HTTP 401'))
  results.push(
    token === undefined
      ? skip('auth: a tampered token gets 401', noToken)
      : expectStatus(
          'auth: a tampered token gets 401',
          await call('/api/v1/me', { token: tamperedToken(token) }),
          (s) => s === 401,
          'HTTP 401',
        ),
  )
  results.push(
    credentials.kind === 'secret'
      ? expectStatus(
          'auth: an expired token gets 401',
          await call('/api/v1/me', { token: await credentials.mint({ expired: true }) }),
          (s) => s === 401,
          'HTTP 401',
        )
      : skip('auth: an expired token gets 401', 'minting one needs --jwt-secret-file or EVENTCORE_JWT_SECRET'),
  )
  // Authorization, not only authentication: a valid token whose roles do not allow registering.
  results.push(
    credentials.kind === 'secret'
      ? expectStatus(
          'authz: a token without the admin role cannot register (403)',
          await call(USERS, {
            method: 'POST',
            token: await credentials.mint({ expired: false, roles: ['operator'] }),
            body: { email: `smoke-denied+${newId()}@example.com`, first_name: 'Denied', last_name: 'Smoke' },
          }),
          (s) => s === 403,
          'HTTP 403',
        )
      : skip(
          'authz: a token without the admin role cannot register (403)',
          'minting one needs --jwt-secret-file or EVENTCORE_JWT_SECRET',
        ),
  )

  if (token === undefined) {
    results.push({
      name: 'core: register, read, rename, deactivate a user',
      status: 'fail',
      detail: `cannot run: ${noToken}`,
    })
    return results
  }
  const user = await coreFunctionality(call, token, `smoke+${newId()}@example.com`, results)
  await errorHandling(call, token, user, results)
  results.push(await latencySample(call, token, user, requests, p95Ms))
  if (user) results.push(await deactivate(call, token, user))
  else results.push(skip('core: deactivate it', 'no user was registered'))
  return results
}

type Call = (
  path: string,
  init?: { method?: string; token?: string; headers?: Record<string, string>; body?: unknown },
) => Promise<HttpResponse>

/** What the register call carries for the correlation and trace checks. */
interface Propagated {
  readonly correlationId: string
  readonly traceId: string
  readonly traceparent: string
}

function propagated(): Propagated {
  const traceId = randomBytes(16).toString('hex')
  const correlationId = `smoke-${randomUUID()}`
  return { correlationId, traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` }
}

/**
 * The correlation id comes back as sent; the W3C trace is continued (the answer's `traceparent`
 * has the trace id sent), or, with no `traceparent` at all, tracing is off: a warning.
 */
function propagationChecks(response: HttpResponse, sent: Propagated): CheckResult[] {
  const echoed = response.headers.get('x-correlation-id')
  const correlation: CheckResult =
    echoed === sent.correlationId
      ? { name: 'logs: X-Correlation-Id echoed', status: 'pass', detail: `${sent.correlationId} came back` }
      : {
          name: 'logs: X-Correlation-Id echoed',
          status: 'fail',
          detail: echoed === null ? 'no X-Correlation-Id in the answer' : `sent ${sent.correlationId}, got ${echoed}`,
        }
  const traceparent = response.headers.get('traceparent')
  const traceId = traceparent?.split('-')[1]
  const trace: CheckResult =
    traceparent === null
      ? {
          name: 'traces: W3C traceparent continued',
          status: 'warn',
          detail: 'no traceparent in the answer: tracing is off (set OTEL_EXPORTER_OTLP_ENDPOINT)',
        }
      : traceId === sent.traceId
        ? {
            name: 'traces: W3C traceparent continued',
            status: 'pass',
            detail: `trace ${sent.traceId}: look it up in your tracing system`,
          }
        : {
            name: 'traces: W3C traceparent continued',
            status: 'fail',
            detail: `sent trace ${sent.traceId}, the answer is in trace ${traceId ?? traceparent}`,
          }
  return [correlation, trace]
}

async function coreFunctionality(call: Call, token: string, email: string, results: CheckResult[]) {
  const sent = propagated()
  const created = await call(USERS, {
    method: 'POST',
    token,
    headers: { 'x-correlation-id': sent.correlationId, traceparent: sent.traceparent },
    body: { email, first_name: 'Smoke', last_name: 'Test' },
  })
  results.push(...propagationChecks(created, sent))
  const id = (jsonBody(created) as { id?: unknown } | undefined)?.id
  const etag = created.headers.get('etag')
  if (created.status !== 201 || typeof id !== 'string' || etag === null) {
    results.push(expectStatus(`core: register ${email}`, created, () => false, 'HTTP 201 with an id and an ETag'))
    results.push(skip('core: read it back', 'no user was registered'))
    results.push(skip('core: rename it with If-Match', 'no user was registered'))
    return undefined
  }
  results.push(expectStatus(`core: register ${email}`, created, () => true, ''))
  const user: SmokeUser = { id, email, etag }

  const read = await call(`${USERS}/${id}`, { token })
  const readEmail = (jsonBody(read) as { email?: unknown } | undefined)?.email
  results.push(
    read.status === 200 && readEmail === email
      ? expectStatus('core: read it back', read, () => true, '')
      : expectStatus('core: read it back', read, () => false, `HTTP 200 with email ${email}`),
  )

  const renamed = await call(`${USERS}/${id}`, {
    method: 'PATCH',
    token,
    headers: { 'if-match': user.etag },
    body: { first_name: 'Renamed' },
  })
  const newName = (jsonBody(renamed) as { first_name?: unknown } | undefined)?.first_name
  const newEtag = renamed.headers.get('etag')
  const renameOk = renamed.status === 200 && newName === 'Renamed' && newEtag !== null && newEtag !== user.etag
  results.push(
    expectStatus('core: rename it with If-Match', renamed, () => renameOk, 'HTTP 200, the new name and a new ETag'),
  )
  if (newEtag !== null) user.etag = newEtag
  return user
}

async function errorHandling(call: Call, token: string, user: SmokeUser | undefined, results: CheckResult[]) {
  const malformed = await call(USERS, {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/json' },
    body: '{"email": ',
  })
  results.push(
    expectStatus(
      'errors: a malformed body gets 400 problem+json',
      malformed,
      (s) => s === 400 && isProblem(malformed),
      `HTTP 400 application/problem+json (got ${malformed.headers.get('content-type') ?? 'no content type'})`,
    ),
  )
  const unknown = await call(`/api/v1/no-such-route-${Date.now()}`, { token })
  results.push(expectStatus('errors: an unknown route gets 404', unknown, (s) => s === 404, 'HTTP 404'))
  if (!user) {
    results.push(skip('errors: a duplicate address gets 409', 'no user was registered'))
    return
  }
  const duplicate = await call(USERS, {
    method: 'POST',
    token,
    body: { email: user.email, first_name: 'Smoke', last_name: 'Twin' },
  })
  results.push(expectStatus('errors: a duplicate address gets 409', duplicate, (s) => s === 409, 'HTTP 409'))
}

async function latencySample(
  call: Call,
  token: string,
  user: SmokeUser | undefined,
  requests: number,
  p95Ms: number,
): Promise<CheckResult> {
  const name = `performance: p95 of ${requests} GETs`
  if (!user) return skip(name, 'no user was registered to read')
  const latencies: number[] = []
  const failures: string[] = []
  let next = 0
  const worker = async () => {
    while (next < requests) {
      next += 1
      const response = await call(`${USERS}/${user.id}`, { token })
      latencies.push(response.ms)
      if (response.status !== 200) failures.push(answer(response))
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, requests) }, worker))
  const p95 = roundMs(percentile(latencies, 95))
  const figure = { value: p95, unit: 'ms', limit: p95Ms }
  if (failures.length > 0) {
    return { name, status: 'fail', detail: `${failures.length} of ${requests} failed, first ${failures[0]}`, figure }
  }
  return {
    name,
    status: p95 <= p95Ms ? 'pass' : 'fail',
    detail: `${CONCURRENCY} at a time; p95 ${p95 <= p95Ms ? 'within' : 'over'} the limit (--p95-ms)`,
    figure,
  }
}

async function deactivate(call: Call, token: string, user: SmokeUser): Promise<CheckResult> {
  const response = await call(`${USERS}/${user.id}/deactivate`, {
    method: 'POST',
    token,
    headers: { 'if-match': user.etag },
  })
  const status = (jsonBody(response) as { status?: unknown } | undefined)?.status
  return expectStatus(
    'core: deactivate it',
    response,
    (s) => s === 200 && status === 'deactivated',
    'HTTP 200 with status deactivated',
  )
}
