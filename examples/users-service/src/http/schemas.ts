import { Type } from 'typebox'

/** An e-mail address as the API accepts it (the format check is ajv's `email`). */
const Email = Type.String({ format: 'email', maxLength: 254, description: 'Unique, case-insensitively' })
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })
/** Where a user is in its life: an enum, so that a refused value is answered with the allowed ones. */
const Status = Type.Enum(['active', 'deactivated'])

/** `POST /api/v1/users` body. */
export const RegisterBody = Type.Object(
  { email: Email, first_name: Name, last_name: Name },
  { additionalProperties: false },
)

/** `PATCH /api/v1/users/:id` body: any of the fields, at least one. */
export const UpdateBody = Type.Object(
  { email: Type.Optional(Email), first_name: Type.Optional(Name), last_name: Type.Optional(Name) },
  { additionalProperties: false, minProperties: 1 },
)

/** A user as every endpoint returns it. */
export const UserBody = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    first_name: Type.String(),
    last_name: Type.String(),
    status: Status,
    version: Type.Integer({ description: 'The user stream version; also the ETag' }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
)

/** `GET /api/v1/users` response. */
export const UserPage = Type.Object(
  {
    items: Type.Array(UserBody),
    next: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `after` for the next page' }),
  },
  { additionalProperties: false },
)

/** Users per page when `limit` is not given. */
export const DEFAULT_PAGE_SIZE = 50

/** `GET /api/v1/users` query: `limit` is optional for a client (the validator fills in its default). */
export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: DEFAULT_PAGE_SIZE })),
    after: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(Status),
  },
  { additionalProperties: false },
)

/** `:id` of the user routes: a UUID. */
export const UserParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

/** `GET /api/v1/me` response. */
export const MeBody = Type.Object(
  {
    subject: Type.String(),
    roles: Type.Array(Type.String()),
    permissions: Type.Array(Type.String()),
    user: Type.Union([UserBody, Type.Null()]),
  },
  { additionalProperties: false },
)

/** The problem+json shape, for the OpenAPI document. */
export const ProblemBody = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    correlationId: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
)
