// The users flow through a client generated from /openapi.json: openapi-typescript writes
// `generated/users-api.d.ts` (the test does, before type-checking this file and running it), and
// openapi-fetch calls the API with those types. Nothing here is typed by hand.
import createClient from 'openapi-fetch'
import type { components, paths } from './generated/users-api.js'

type Problem = components['schemas']['Problem']
type User = paths['/api/v1/users/{id}']['get']['responses'][200]['content']['application/json']

/** What each step answered, for the test to check against the document. */
export interface FlowResult {
  readonly registered: { status: number; location: string | null; etag: string | null; user: User | undefined }
  readonly read: { status: number; etag: string | null; user: User | undefined }
  readonly notModified: { status: number; etag: string | null; body: string }
  readonly listed: { status: number; ids: readonly string[] }
  readonly updated: { status: number; etag: string | null; user: User | undefined }
  readonly stale: { status: number; contentType: string | null; problem: Problem | undefined }
  readonly deactivated: { status: number; user: User | undefined }
  readonly duplicate: { status: number; contentType: string | null; problem: Problem | undefined }
  readonly badQuery: { status: number; contentType: string | null; problem: Problem | undefined }
}

/**
 * Runs register → get → conditional get → list → update (fresh, then stale `If-Match`) → a second
 * registration of the same e-mail → deactivate → a list with a status it must refuse.
 */
export async function usersFlow(baseUrl: string, token: string, email: string): Promise<FlowResult> {
  const client = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` } })

  const registration = await client.POST('/api/v1/users', {
    body: { email, first_name: 'Ada', last_name: 'Lovelace' },
    params: { header: { 'idempotency-key': `flow-${email}` } },
  })
  const user = registration.data
  const id = user?.id ?? 'missing'
  const read = await client.GET('/api/v1/users/{id}', { params: { path: { id } } })
  const etag = read.response.headers.get('etag') ?? ''
  const conditional = await client.GET('/api/v1/users/{id}', {
    params: { path: { id }, header: { 'if-none-match': etag } },
    parseAs: 'text',
  })
  const list = await client.GET('/api/v1/users', { params: { query: { limit: 200, status: 'active' } } })
  const update = await client.PATCH('/api/v1/users/{id}', {
    params: { path: { id }, header: { 'if-match': etag } },
    body: { last_name: 'King' },
  })
  const stale = await client.PATCH('/api/v1/users/{id}', {
    params: { path: { id }, header: { 'if-match': etag } },
    body: { first_name: 'Augusta' },
  })
  const duplicate = await client.POST('/api/v1/users', { body: { email, first_name: 'Ada', last_name: 'Again' } })
  const deactivation = await client.POST('/api/v1/users/{id}/deactivate', { params: { path: { id } } })
  const badQuery = await client.GET('/api/v1/users', {
    // The one place the flow steps outside the types on purpose: a value the server must refuse.
    params: { query: { status: 'bogus' as 'active' } },
  })

  return {
    registered: {
      status: registration.response.status,
      location: registration.response.headers.get('location'),
      etag: registration.response.headers.get('etag'),
      user,
    },
    read: { status: read.response.status, etag, user: read.data },
    notModified: {
      status: conditional.response.status,
      etag: conditional.response.headers.get('etag'),
      body: conditional.data ?? '',
    },
    listed: { status: list.response.status, ids: (list.data?.items ?? []).map((item) => item.id) },
    updated: { status: update.response.status, etag: update.response.headers.get('etag'), user: update.data },
    stale: {
      status: stale.response.status,
      contentType: stale.response.headers.get('content-type'),
      problem: stale.error,
    },
    deactivated: { status: deactivation.response.status, user: deactivation.data },
    duplicate: {
      status: duplicate.response.status,
      contentType: duplicate.response.headers.get('content-type'),
      problem: duplicate.error,
    },
    badQuery: {
      status: badQuery.response.status,
      contentType: badQuery.response.headers.get('content-type'),
      problem: badQuery.error,
    },
  }
}

/** Never called: calls the generated types must refuse (each `@ts-expect-error` fails the check if they allow it). */
export async function refusedByTheTypes(client: ReturnType<typeof createClient<paths>>): Promise<void> {
  // @ts-expect-error a status that is not one of the enum's values
  await client.GET('/api/v1/users', { params: { query: { status: 'bogus' } } })
  // @ts-expect-error a registration without last_name
  await client.POST('/api/v1/users', { body: { email: 'a@example.com', first_name: 'A' } })
  // @ts-expect-error an operation the API does not have
  await client.DELETE('/api/v1/users/{id}', { params: { path: { id: 'x' } } })
  const read = await client.GET('/api/v1/users/{id}', { params: { path: { id: 'x' } } })
  // @ts-expect-error a user has no such field
  read.data?.password
  // @ts-expect-error a problem's status is a number
  const status: string | undefined = read.error?.status
  void status
}
