import { CliError, messageOf } from './cli-error.js'

/** A response read whole, with how long it took. */
export interface HttpResponse {
  readonly status: number
  readonly headers: Headers
  readonly body: string
  /** From sending the request to the last byte of the body, in milliseconds. */
  readonly ms: number
}

/** What {@link httpRequest} sends. */
export interface HttpRequest {
  readonly method?: string
  readonly headers?: Readonly<Record<string, string>>
  /** Sent as is; a non-string is sent as JSON with `Content-Type: application/json`. */
  readonly body?: unknown
  readonly timeoutMs: number
  /** Follow redirects (off by default: checks want to see them). */
  readonly followRedirects?: boolean
}

/**
 * A base URL as given on the command line: http(s) only, without a trailing slash.
 *
 * @example
 * parseBaseUrl('http://127.0.0.1:8080/') // → 'http://127.0.0.1:8080'
 */
export function parseBaseUrl(text: string, flag = '--url'): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new CliError('usage', `${flag} must be an http(s) URL, got ${JSON.stringify(text)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError('usage', `${flag} must be an http(s) URL, got ${url.protocol}`)
  }
  return url.href.replace(/\/+$/, '')
}

/**
 * `--metrics-url`: the URL `/metrics` is served at. A bare origin (`http://10.0.3.7:9464`, the
 * port of EVENTCORE_METRICS_PORT) means its `/metrics`, the only path that port serves.
 *
 * @example
 * parseMetricsUrl('http://127.0.0.1:9464') // 'http://127.0.0.1:9464/metrics'
 */
export function parseMetricsUrl(text: string, flag = '--metrics-url'): string {
  const url = parseBaseUrl(text, flag)
  return new URL(url).pathname === '/' ? `${url}/metrics` : url
}

/**
 * One HTTP request with a deadline. A refused connection, a DNS failure or the deadline passing is
 * a `connection` error naming the URL; any answer, 5xx included, is a response for the caller to judge.
 *
 * @example
 * const health = await httpRequest(`${base}/health`, { timeoutMs: 5000 })
 */
export async function httpRequest(url: string, request: HttpRequest): Promise<HttpResponse> {
  const { method = 'GET', headers = {}, body, timeoutMs, followRedirects = false } = request
  const json = body !== undefined && typeof body !== 'string'
  const started = performance.now()
  try {
    const response = await fetch(url, {
      method,
      headers: json ? { 'content-type': 'application/json', ...headers } : headers,
      body: body === undefined ? undefined : json ? JSON.stringify(body) : (body as string),
      redirect: followRedirects ? 'follow' : 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await response.text()
    return { status: response.status, headers: response.headers, body: text, ms: performance.now() - started }
  } catch (error) {
    const name = (error as { name?: string } | null)?.name
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new CliError('connection', `${method} ${url}: no answer within ${timeoutMs} ms (--timeout)`, {
        cause: error,
      })
    }
    const cause = (error as { cause?: unknown } | null)?.cause
    throw new CliError('connection', `${method} ${url}: ${messageOf(cause ?? error)}`, { cause: error })
  }
}

/** The body as JSON, or `undefined` when it is not JSON. */
export function jsonBody(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.body) as unknown
  } catch {
    return undefined
  }
}
