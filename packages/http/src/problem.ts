import {
  type EventCoreError,
  type EventCoreErrorKind,
  isEventCoreError,
  type StoreUnavailableError,
} from '@eventcore/core'

/**
 * An RFC 9457 problem document, as every error response carries it. A 503 from a `timeout` or
 * `store-unavailable` error also carries `retryAfterSeconds` (a whole number ≥ 1: the error's own
 * `retryAfterMs` rounded up, e.g. the time until an open circuit breaker lets a probe through, else
 * 1), which the error handler sends as the `Retry-After` header.
 */
export interface Problem {
  /** Stable, per kind of problem (`urn:eventcore:problem:<slug>`). */
  readonly type: string
  readonly title: string
  readonly status: number
  /** What went wrong for this request, for a human. Never a stack trace or SQL. */
  readonly detail: string
  /** Extra members, e.g. `errors` (every bad field) or `rule`. */
  readonly [extension: string]: unknown
}

/**
 * An error a route throws to answer with a given problem, e.g. 404 for a missing resource or 412
 * for a stale `If-Match`.
 *
 * @example
 * throw new HttpProblem(404, 'not-found', 'Not Found', `no user ${id}`)
 */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem'
  readonly status: number
  readonly slug: string
  readonly title: string
  readonly extensions: Readonly<Record<string, unknown>>

  constructor(status: number, slug: string, title: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(detail)
    this.status = status
    this.slug = slug
    this.title = title
    this.extensions = extensions
  }
}

/** How each kind of EventCore error answers over HTTP: one exhaustive table. */
const BY_KIND: { readonly [K in EventCoreErrorKind]: { status: number; slug: string; title: string } } = {
  validation: { status: 422, slug: 'validation', title: 'Unprocessable Content' },
  'business-rule': { status: 409, slug: 'business-rule', title: 'Conflict' },
  concurrency: { status: 409, slug: 'concurrency', title: 'Conflict' },
  timeout: { status: 503, slug: 'timeout', title: 'Service Unavailable' },
  'store-unavailable': { status: 503, slug: 'store-unavailable', title: 'Service Unavailable' },
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

const problemType = (slug: string) => `urn:eventcore:problem:${slug}`

/** Seconds a client should wait before retrying, from a hint in milliseconds (default 1 s). */
const retryAfterSeconds = (retryAfterMs: number | undefined) => Math.max(1, Math.ceil((retryAfterMs ?? 1000) / 1000))

const UNAVAILABLE_DETAIL: { readonly [C in StoreUnavailableError['code']]: string } = {
  // The store's own message may name hosts or SQL states: keep it in the log, not the response.
  ERR_EVENTCORE_STORE_UNAVAILABLE: 'the event store is unavailable; retry later',
  ERR_EVENTCORE_OVERLOADED: 'the service is running as many commands as it can; retry later',
  ERR_EVENTCORE_CIRCUIT_OPEN: 'the event store keeps failing, so requests are refused while it recovers; retry later',
}

function fromEventCore(error: EventCoreError): Problem {
  const { status, slug, title } = BY_KIND[error.kind]
  const base = { type: problemType(slug), title, status, detail: error.message, code: error.code }
  switch (error.kind) {
    case 'validation':
      return { ...base, errors: error.issues }
    case 'business-rule':
      return { ...base, rule: error.rule }
    case 'concurrency':
      return { ...base, streams: error.streams }
    case 'timeout':
      return { ...base, retryAfterSeconds: retryAfterSeconds(undefined) }
    case 'store-unavailable':
      return {
        ...base,
        detail: UNAVAILABLE_DETAIL[error.code],
        retryAfterSeconds: retryAfterSeconds(error.retryAfterMs),
      }
  }
}

interface FastifyLikeError {
  readonly statusCode?: number
  readonly code?: string
  readonly message: string
  readonly validation?: ReadonlyArray<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>
  readonly validationContext?: string
}

function fromFastify(error: FastifyLikeError, status: number): Problem {
  if (error.validation) {
    const where = error.validationContext ?? 'body'
    const errors = error.validation.map((issue) => {
      const missing = issue.params?.missingProperty
      const extra = issue.params?.additionalProperty
      const path = `${where}${issue.instancePath ?? ''}${typeof missing === 'string' ? `/${missing}` : ''}${typeof extra === 'string' ? `/${extra}` : ''}`
      return { path, message: typeof extra === 'string' ? 'is not an allowed field' : (issue.message ?? 'is invalid') }
    })
    return {
      type: problemType('invalid-request'),
      title: 'Bad Request',
      status: 400,
      detail: errors.map((e) => `${e.path} ${e.message}`).join('; '),
      errors,
    }
  }
  const slug = (error.code ?? `http-${status}`)
    .toLowerCase()
    .replace(/^fst_err_/, '')
    .replaceAll('_', '-')
  return { type: problemType(slug), title: TITLES[status] ?? 'Error', status, detail: error.message }
}

/**
 * The problem document for any error a request ended with. EventCore errors map by kind, Fastify's
 * own client errors (4xx) keep their status and message, and anything else is a 500 whose detail
 * says nothing about the inside.
 */
export function problemFor(error: unknown): Problem {
  if (error instanceof HttpProblem) {
    return {
      ...error.extensions,
      type: problemType(error.slug),
      title: error.title,
      status: error.status,
      detail: error.message,
    }
  }
  if (isEventCoreError(error)) return fromEventCore(error)
  const candidate = error as FastifyLikeError | undefined
  const status = candidate?.statusCode
  if (candidate && typeof status === 'number' && status >= 400 && status < 500) return fromFastify(candidate, status)
  return {
    type: problemType('internal'),
    title: 'Internal Server Error',
    status: 500,
    detail: 'the server failed to handle this request; the correlation id identifies it in the logs',
  }
}
