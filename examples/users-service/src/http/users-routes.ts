import { type Executor, tracedStore, ValidationError } from '@eventcore/core'
import { answerMethodNotAllowed, can, executionOptions, HttpProblem } from '@eventcore/http'
import type { SqlEventStore } from '@eventcore/postgres'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import {
  deactivateUser,
  listUsers,
  registerUser,
  type User,
  updateUser,
  userFromStream,
  userStream,
} from '../users/index.js'
import { BodyExamples, Headers, Responses } from './openapi.js'
import { etagOf, expectedVersionOf, notModified } from './preconditions.js'
import { problemOf } from './rule-problems.js'
import { DEFAULT_PAGE_SIZE, ListQuery, RegisterBody, UpdateBody, type UserBody, UserParams } from './schemas.js'

/** What the users routes need. */
export interface UsersRoutesOptions {
  readonly executor: Executor
  readonly store: SqlEventStore
  /** New user ids. */
  readonly newId: () => string
}

const toBody = (user: User): Static<typeof UserBody> => ({
  id: user.id,
  email: user.email,
  first_name: user.firstName,
  last_name: user.lastName,
  status: user.status,
  version: user.version,
  created_at: user.createdAt,
  updated_at: user.updatedAt,
})

const notFound = (id: string) => new HttpProblem(404, 'user-not-found', 'Not Found', `no user ${id}`)

/** Users may act on themselves only, unless they hold the permission for everyone. */
function checkSelf(request: FastifyRequest, id: string, permission: string): void {
  if (can(request, permission) || request.principal?.id === id) return
  throw new HttpProblem(403, 'forbidden', 'Forbidden', `you may only ${permission.split(':')[1]} your own user`)
}

/**
 * The users API under its prefix: register, get, list, update (rename and/or change e-mail, with
 * `If-Match`), deactivate, and `me`. Single users are read from their stream (read-your-writes, an
 * exact ETag); lists come from the `users` projection.
 */
export const usersRoutes: FastifyPluginAsyncTypebox<UsersRoutesOptions> = async (app, options) => {
  const { executor, store, newId } = options
  // Under the request's span, so the read shows in its trace (nothing is traced when tracing is off).
  const load = async (request: FastifyRequest, id: string) =>
    userFromStream(await tracedStore(store, request.traceContext).readStream(userStream(id)))
  // Each path's other methods are answered 405, from the routes below.
  answerMethodNotAllowed(app)

  app.post(
    '/users',
    {
      schema: {
        operationId: 'registerUser',
        tags: ['users'],
        summary: 'Register a user',
        description:
          'Registers a user with a unique e-mail address. Answers 201 with the user, its `Location` and `ETag`. Safe to retry with an `Idempotency-Key`.',
        headers: Headers.create,
        body: { ...RegisterBody, examples: BodyExamples.register },
        response: Responses.register,
      },
      config: { eventcore: { permission: 'users:create', idempotent: true } },
    },
    async (request, reply) => {
      const userId = newId()
      const { email, first_name: firstName, last_name: lastName } = request.body
      // A fresh id: the streams are nearly always new, so skip reading them (the append checks it).
      const result = await executor.execute(
        registerUser,
        { userId, email, firstName, lastName },
        { ...executionOptions(request, reply), assumeNewStreams: true },
      )
      if (!result.ok) throw problemOf(result.error)
      // The user stream was empty before (else `user-exists`): what was written is all of it.
      const streamId = userStream(userId)
      const user = userFromStream({
        streamId,
        version: result.versions.user,
        events: result.events.filter((e) => e.streamId === streamId),
      })
      if (!user) throw new Error(`user ${userId} was written but not found in what was written`)
      // Location from the route, never the raw URL: a query string is not part of the path.
      return reply
        .code(201)
        .header('location', `${app.prefix}/users/${userId}`)
        .header('etag', etagOf(user.version))
        .send(toBody(user))
    },
  )

  app.get(
    '/users',
    {
      schema: {
        operationId: 'listUsers',
        tags: ['users'],
        summary: 'List users (eventually consistent)',
        description:
          'Pages through the users by id, from the `users` projection: a write shows here shortly after it is answered. Pass `next` as `after` for the following page.',
        headers: Headers.plain,
        querystring: ListQuery,
        response: Responses.list,
      },
      config: { eventcore: { permission: 'users:list' } },
    },
    async (request) => {
      const { limit = DEFAULT_PAGE_SIZE, after, status } = request.query
      try {
        const page = await listUsers(store, { limit, after, status })
        return { items: page.users.map(toBody), next: page.next ?? null }
      } catch (error) {
        // A cursor that is not one of ours is a bad query parameter, like any other: 400.
        if (!(error instanceof ValidationError)) throw error
        const errors = error.issues.map((issue) => ({ path: `querystring/${issue.path}`, message: issue.message }))
        throw new HttpProblem(400, 'invalid-request', 'Bad Request', error.message, { errors })
      }
    },
  )

  app.get(
    '/users/:id',
    {
      schema: {
        operationId: 'getUser',
        tags: ['users'],
        summary: 'Get a user',
        description:
          'Reads the user from its stream (read-your-writes), with its `ETag`; with `If-None-Match` naming the current version, 304 without a body. Users without `users:read` may read only themselves.',
        headers: Headers.read,
        params: UserParams,
        response: Responses.get,
      },
      config: { eventcore: { permission: ['users:read', 'users:read:self'] } },
    },
    async (request, reply) => {
      const { id } = request.params
      checkSelf(request, id, 'users:read')
      const user = await load(request, id)
      if (!user) throw notFound(id)
      reply.header('etag', etagOf(user.version))
      if (notModified(request.headers['if-none-match'], user.version)) return reply.code(304).send()
      return toBody(user)
    },
  )

  app.patch(
    '/users/:id',
    {
      schema: {
        operationId: 'updateUser',
        tags: ['users'],
        summary: 'Rename and/or change the e-mail of a user',
        description:
          'Changes any of the fields given (at least one). With `If-Match`, only if the user is still at that version (else 412). Users without `users:update` may update only themselves.',
        headers: Headers.update,
        params: UserParams,
        body: { ...UpdateBody, examples: BodyExamples.update },
        response: Responses.update,
      },
      config: { eventcore: { permission: ['users:update', 'users:update:self'] } },
    },
    async (request, reply) => {
      const { id } = request.params
      checkSelf(request, id, 'users:update')
      const expected = expectedVersionOf(request.headers['if-match'])
      const { email, first_name: firstName, last_name: lastName } = request.body
      const result = await executor.execute(
        updateUser,
        {
          userId: id,
          ...(email === undefined ? {} : { email }),
          ...(firstName === undefined ? {} : { firstName }),
          ...(lastName === undefined ? {} : { lastName }),
          ...(typeof expected === 'number' ? { expectedVersion: expected } : {}),
        },
        executionOptions(request, reply),
      )
      if (!result.ok) throw problemOf(result.error)
      const user = await load(request, id)
      if (!user) throw notFound(id)
      return reply.header('etag', etagOf(user.version)).send(toBody(user))
    },
  )

  app.post(
    '/users/:id/deactivate',
    {
      schema: {
        operationId: 'deactivateUser',
        tags: ['users'],
        summary: 'Deactivate a user',
        description:
          'Deactivates the user and frees its e-mail address; deactivating it again answers the same. With `If-Match`, only if the user is still at that version (else 412).',
        headers: Headers.deactivate,
        params: UserParams,
        response: Responses.deactivate,
      },
      config: { eventcore: { permission: 'users:deactivate', idempotent: true } },
    },
    async (request, reply) => {
      const { id } = request.params
      const expected = expectedVersionOf(request.headers['if-match'])
      const result = await executor.execute(
        deactivateUser,
        { userId: id, ...(typeof expected === 'number' ? { expectedVersion: expected } : {}) },
        executionOptions(request, reply),
      )
      if (!result.ok) throw problemOf(result.error)
      const user = await load(request, id)
      if (!user) throw notFound(id)
      return reply.header('etag', etagOf(user.version)).send(toBody(user))
    },
  )

  const meSchema = {
    operationId: 'getMe',
    tags: ['users'],
    summary: 'Who the caller is',
    description: "The token's subject, roles and permissions, and the caller's user when it has one.",
    headers: Headers.plain,
    response: Responses.me,
  }
  app.get('/me', { schema: meSchema }, async (request) => {
    const principal = request.principal
    if (!principal) throw new HttpProblem(401, 'unauthorized', 'Unauthorized', 'this route needs a bearer token')
    const user = await load(request, principal.id)
    return {
      subject: principal.id,
      roles: [...principal.roles],
      permissions: [...principal.permissions].sort(),
      user: user ? toBody(user) : null,
    }
  })
}
