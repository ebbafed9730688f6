import { type HeaderDoc, problemResponse, responseHeaders, standardProblems } from '@eventcore/http'
import { Type } from 'typebox'
import { MeBody, UserBody, UserPage } from './schemas.js'

/**
 * What the OpenAPI document says of the users routes beyond their validation schemas: response
 * objects with their headers and examples, the request headers each route reads, and the problem
 * answers it can really give (the plugin's own for every route, plus the route's).
 */

const ID = '0196b3f2-7c1a-7d4e-9a51-3f0c2b8e6d10'

/** A user as the examples show it. */
export const USER_EXAMPLE = {
  id: ID,
  email: 'ada@example.com',
  first_name: 'Ada',
  last_name: 'Lovelace',
  status: 'active',
  version: 1,
  created_at: '2026-05-01T09:30:00.000Z',
  updated_at: '2026-05-01T09:30:00.000Z',
} as const

const ETAG: HeaderDoc = {
  description:
    'The user\'s strong entity tag, its stream version in quotes (`"3"`): send it as `If-Match` or `If-None-Match`',
  type: 'string',
}
const REPLAYED: HeaderDoc = {
  description: '`true` when the answer is the stored one of an earlier request with the same `Idempotency-Key`',
  type: 'string',
}

/** A user answered as JSON, with its ETag. */
const userResponse = (description: string, extraHeaders: Record<string, HeaderDoc> = {}) => ({
  description,
  headers: responseHeaders({ etag: ETAG, ...extraHeaders }),
  content: { 'application/json': { schema: UserBody, example: USER_EXAMPLE } },
})

const problemExample = (
  status: number,
  slug: string,
  title: string,
  detail: string,
  extra: object = {},
  instance = '/api/v1/users',
) => ({
  type: `urn:eventcore:problem:${slug}`,
  title,
  status,
  detail,
  ...extra,
  instance,
  correlationId: '0196b3f2-8d00-7000-8000-0000000000aa',
})

const CORRELATION_ID = Type.Optional(
  Type.String({
    description: 'A correlation id to carry through the logs and events (one value, at most 256 characters; else 400)',
  }),
)
const IDEMPOTENCY_KEY = Type.Optional(
  Type.String({
    description:
      'Makes a retry safe: a repeat with the same key gets the first answer back (`Idempotent-Replayed: true`) instead of running again. 1–255 visible ASCII characters.',
  }),
)
const IF_MATCH = Type.Optional(
  Type.String({
    description: 'Apply only if the user is still at this version: an `ETag` of this API (`"3"`) or `*`; else 412',
  }),
)
const IF_NONE_MATCH = Type.Optional(
  Type.String({ description: 'Answer 304 without a body when the user is still at one of these `ETag`s' }),
)

/** Request headers of the routes, as typed schemas; other headers stay allowed. */
export const Headers = {
  plain: Type.Object({ 'x-correlation-id': CORRELATION_ID }),
  create: Type.Object({ 'x-correlation-id': CORRELATION_ID, 'idempotency-key': IDEMPOTENCY_KEY }),
  read: Type.Object({ 'x-correlation-id': CORRELATION_ID, 'if-none-match': IF_NONE_MATCH }),
  update: Type.Object({ 'x-correlation-id': CORRELATION_ID, 'if-match': IF_MATCH }),
  deactivate: Type.Object({
    'x-correlation-id': CORRELATION_ID,
    'if-match': IF_MATCH,
    'idempotency-key': IDEMPOTENCY_KEY,
  }),
}

const BAD_QUERY = problemExample(
  400,
  'invalid-request',
  'Bad Request',
  "querystring/status must be one of 'active', 'deactivated'",
  { errors: [{ path: 'querystring/status', message: "must be one of 'active', 'deactivated'" }] },
  '/api/v1/users?status=bogus',
)
const EMAIL_TAKEN = problemExample(
  409,
  'email-taken',
  'Conflict',
  'the e-mail address is already registered to another user',
  {
    rule: 'email-taken',
  },
)
const NOT_FOUND = problemExample(404, 'user-not-found', 'Not Found', `no user ${ID}`, {}, `/api/v1/users/${ID}`)
const STALE = problemExample(
  412,
  'version-mismatch',
  'Precondition Failed',
  `user ${ID} is at version 2`,
  {
    rule: 'version-mismatch',
    expected: 1,
    actual: 2,
  },
  `/api/v1/users/${ID}`,
)

const notFound = problemResponse(404, 'No user has this id', NOT_FOUND)
const stale = problemResponse(412, 'The `If-Match` version is stale: the user changed since it was read', STALE)
const bodyProblems = { 413: problemResponse(413), 415: problemResponse(415) }
const reusedKey = problemResponse(
  422,
  'The `Idempotency-Key` was used before for a different request (`idempotency-key-reused`), or a value is refused by the command (`validation`)',
)

/** The response objects of each route, by status. */
export const Responses = {
  register: {
    201: userResponse('The user was registered', {
      location: { description: "The new user's URL", type: 'string' },
      'idempotent-replayed': REPLAYED,
    }),
    ...standardProblems(),
    400: problemResponse(
      400,
      undefined,
      problemExample(400, 'invalid-request', 'Bad Request', 'body/email must match format "email"', {
        errors: [{ path: 'body/email', message: 'must match format "email"' }],
      }),
    ),
    409: problemResponse(
      409,
      'The e-mail is taken by another user (`email-taken`), or a request with the same `Idempotency-Key` is still running (`idempotency-in-progress`)',
      EMAIL_TAKEN,
    ),
    ...bodyProblems,
    422: reusedKey,
  },
  list: {
    200: {
      description: 'A page of users, by id; `next` is the cursor of the following page',
      headers: responseHeaders(),
      content: {
        'application/json': {
          schema: UserPage,
          example: { items: [USER_EXAMPLE], next: null },
        },
      },
    },
    ...standardProblems(),
    400: problemResponse(
      400,
      'A query parameter is invalid (`invalid-request`, every bad one in `errors`), or `after` is not a cursor of this API',
      BAD_QUERY,
    ),
  },
  get: {
    200: userResponse('The user, read from its stream (read-your-writes)'),
    304: {
      type: 'null',
      description: 'The user is still at the version `If-None-Match` names: no body',
      headers: responseHeaders({ etag: ETAG }),
    },
    ...standardProblems(),
    403: problemResponse(403, 'The caller may read only its own user (or the service refuses plain HTTP)'),
    404: notFound,
  },
  update: {
    200: userResponse('The user as updated'),
    ...standardProblems(),
    400: problemResponse(
      400,
      'A field is invalid (`invalid-request`), or `If-Match` is not an entity tag of this API (`invalid-if-match`)',
    ),
    403: problemResponse(403, 'The caller may update only its own user (or the service refuses plain HTTP)'),
    404: notFound,
    409: problemResponse(
      409,
      'The e-mail is taken (`email-taken`), the user is deactivated (`user-deactivated`), or it was written concurrently (`concurrency`)',
      EMAIL_TAKEN,
    ),
    412: stale,
    ...bodyProblems,
    422: problemResponse(422, 'A value is refused by the command (`validation`)'),
  },
  deactivate: {
    200: userResponse('The user, deactivated (deactivating it again answers the same)', {
      'idempotent-replayed': REPLAYED,
    }),
    ...standardProblems(),
    404: notFound,
    409: problemResponse(
      409,
      'The user was written concurrently (`concurrency`), or a request with the same `Idempotency-Key` is still running',
    ),
    412: stale,
    ...bodyProblems,
    422: reusedKey,
  },
  me: {
    200: {
      description: 'The caller: its subject, roles, permissions, and its user if it has one',
      headers: responseHeaders(),
      content: {
        'application/json': {
          schema: MeBody,
          example: {
            subject: ID,
            roles: ['user'],
            permissions: ['users:read:self', 'users:update:self'],
            user: USER_EXAMPLE,
          },
        },
      },
    },
    ...standardProblems(),
  },
}

/** Examples of the request bodies. */
export const BodyExamples = {
  register: [{ email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' }],
  update: [{ last_name: 'King' }, { email: 'ada.king@example.com' }],
}
