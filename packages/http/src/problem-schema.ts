import { CORRELATION_HEADER } from './correlation.js'

/** The media type of every error answer of the plugin. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json'

/**
 * The JSON Schema of the problem document every error answer carries (see {@link problemFor} and
 * the plugin's error handler): the RFC 9457 members, the request's `instance` and `correlationId`,
 * and the extensions some problems add. Extra members stay allowed: a rule's details travel with it.
 * A shared schema (`$id: 'Problem'`): add it once with `app.addSchema(PROBLEM_SCHEMA)`, and
 * {@link problemResponse} refers to it, so the OpenAPI document has it once, as
 * `components.schemas.Problem`. As a response schema it also serializes the answer, so every
 * member is typed as it is sent.
 *
 * @example
 * app.addSchema(PROBLEM_SCHEMA)
 */
export const PROBLEM_SCHEMA = {
  $id: 'Problem',
  title: 'Problem',
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: {
      type: 'string',
      description: 'Stable per kind of problem: `urn:eventcore:problem:<slug>`',
      examples: ['urn:eventcore:problem:invalid-request'],
    },
    title: { type: 'string', description: 'The HTTP status text', examples: ['Bad Request'] },
    status: { type: 'integer', description: 'The HTTP status', examples: [400] },
    detail: { type: 'string', description: 'What went wrong for this request, for a human' },
    instance: { type: 'string', description: 'The request URL (path and query) the problem answers' },
    correlationId: { type: 'string', description: 'The `X-Correlation-Id` of the request; find it in the logs' },
    errors: {
      type: 'array',
      description: 'Every bad field (400 `invalid-request`, 422 `validation`)',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          path: { type: 'string', examples: ['querystring/status'] },
          message: { type: 'string', examples: ["must be one of 'active', 'deactivated'"] },
        },
        additionalProperties: true,
      },
    },
    rule: { type: 'string', description: 'The business rule refused (409, or the status the service maps it to)' },
    streams: {
      type: 'array',
      items: { type: 'string' },
      description: 'The streams written concurrently (409 `concurrency`)',
    },
    code: { type: 'string', description: 'The EventCore error code, for errors raised by the executor' },
    retryAfterSeconds: { type: 'integer', minimum: 1, description: 'Also sent as `Retry-After` (503)' },
  },
  additionalProperties: true,
} as const

/**
 * A response header as a route's response schema declares it for `@fastify/swagger`: a JSON Schema
 * with its description (which becomes the OpenAPI header object's).
 */
export interface HeaderDoc {
  readonly type: 'string' | 'integer'
  readonly description: string
}

/** Response headers the plugin sends, for a route's OpenAPI response objects. */
export const RESPONSE_HEADERS = {
  correlationId: {
    description: "The request's correlation id: the caller's `X-Correlation-Id`, or a new one",
    type: 'string',
  },
  rateLimitLimit: { description: 'Requests allowed per window for this caller', type: 'integer' },
  rateLimitRemaining: { description: 'Requests left in the current window', type: 'integer' },
  rateLimitReset: { description: 'Seconds until the window resets', type: 'integer' },
  retryAfter: { description: 'Seconds to wait before retrying', type: 'integer' },
} as const satisfies Record<string, HeaderDoc>

/** The headers every answer of a rate-limited route carries. */
const COMMON_HEADERS = {
  [CORRELATION_HEADER]: RESPONSE_HEADERS.correlationId,
  'ratelimit-limit': RESPONSE_HEADERS.rateLimitLimit,
  'ratelimit-remaining': RESPONSE_HEADERS.rateLimitRemaining,
  'ratelimit-reset': RESPONSE_HEADERS.rateLimitReset,
} as const

/** The headers every answer of the API carries (correlation id, rate limit), plus `extra`. */
export function responseHeaders(extra: Record<string, HeaderDoc> = {}): Record<string, HeaderDoc> {
  return { ...COMMON_HEADERS, ...extra }
}

/** Statuses the plugin itself may answer, with what they mean there. */
const PLUGIN_PROBLEMS = {
  400: 'The request is malformed: a field, parameter or header is invalid (`invalid-request` lists every bad field in `errors`)',
  401: 'The bearer token is missing, invalid or expired',
  403: 'The token lacks the permission the route needs (or the service refuses plain HTTP)',
  404: 'Not found',
  409: 'Conflict',
  412: 'The `If-Match` entity tag is stale: the resource changed since it was read',
  413: 'The body is larger than the service accepts',
  415: 'The body is not `application/json`',
  422: 'The request is well-formed but refused',
  429: 'Too many requests from this caller in the current window; wait `Retry-After` seconds',
  500: 'The service failed; the correlation id identifies the failure in its logs',
  503: 'The service or its event store is unavailable or at capacity; retry after `Retry-After` seconds',
} as const

/** A status a problem answer may have. */
export type ProblemStatus = keyof typeof PLUGIN_PROBLEMS

/** A documented problem answer: its description, headers and `application/problem+json` body. */
export interface ProblemResponse {
  readonly description: string
  readonly headers: Record<string, HeaderDoc>
  readonly content: {
    readonly [PROBLEM_MEDIA_TYPE]: { readonly schema: { readonly $ref: 'Problem#' }; readonly example?: object }
  }
}

/**
 * The OpenAPI response object of a problem answer with `status`, for a route's `schema.response`:
 * the shared description (or the route's own), the headers it carries (`Retry-After` on 429 and
 * 503) and {@link PROBLEM_SCHEMA} (by reference: add it to the app first) as
 * `application/problem+json`, with an example when given.
 *
 * @example
 * app.get('/users/:id', {
 *   schema: { response: { 200: UserBody, 404: problemResponse(404, 'No user has this id') } },
 * }, handler)
 */
export function problemResponse(status: ProblemStatus, description?: string, example?: object): ProblemResponse {
  const retry: Record<string, HeaderDoc> =
    status === 429 || status === 503 ? { 'retry-after': RESPONSE_HEADERS.retryAfter } : {}
  return {
    description: description ?? PLUGIN_PROBLEMS[status],
    headers: responseHeaders(retry),
    content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: 'Problem#' }, ...(example ? { example } : {}) } },
  }
}

/**
 * The problem answers every authenticated, rate-limited route of the plugin may give whatever it
 * does: 400 (a bad `X-Correlation-Id`, query or body), 401, 403, 429, 500 and 503. Spread into a
 * route's `schema.response` and add the route's own.
 *
 * @example
 * schema: { response: { 200: UserBody, ...standardProblems(), 404: problemResponse(404, 'No user has this id') } }
 */
export function standardProblems(): Record<400 | 401 | 403 | 429 | 500 | 503, ProblemResponse> {
  return {
    400: problemResponse(400),
    401: problemResponse(401),
    403: problemResponse(403),
    429: problemResponse(429),
    500: problemResponse(500),
    503: problemResponse(503),
  }
}
