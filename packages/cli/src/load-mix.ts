import type autocannon from 'autocannon'
import { CliError } from './cli-error.js'
import { behindTlsProxy } from './forwarded-proto.js'
import { httpRequest, jsonBody } from './http-client.js'

const USERS = '/api/v1/users'
/** Users registered before the run, read by every connection. */
export const SEEDED_USERS = 5

interface ConnectionContext {
  id?: string
  etag?: string
}

/**
 * The request mix of one connection, repeated: register a user (a new address each time), read a
 * seeded user, rename the user this connection registered (`If-Match` its ETag), read a seeded user
 * again, list a page. Renames touch only their own connection's user, so no 412 is expected: every
 * answer outside 2xx counts as an error.
 */
export function requestMix(
  token: string,
  seeded: readonly string[],
  newId: () => string,
  proxy: Readonly<Record<string, string>> = {},
): autocannon.Request[] {
  const authorization = `Bearer ${token}`
  let reads = 0
  const readSeeded: autocannon.Request = {
    method: 'GET',
    path: USERS,
    headers: { ...proxy, authorization },
    setupRequest: (request) => {
      reads += 1
      return { ...request, path: `${USERS}/${seeded[reads % seeded.length]}` }
    },
  }
  return [
    {
      method: 'POST',
      path: USERS,
      headers: { ...proxy, authorization, 'content-type': 'application/json' },
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ email: `load+${newId()}@example.com`, first_name: 'Load', last_name: 'Test' }),
      }),
      onResponse: (status, body, context: ConnectionContext, headers) => {
        if (status !== 201) return
        const id = (JSON.parse(body) as { id?: unknown }).id
        if (typeof id === 'string') context.id = id
        context.etag = headers?.etag
      },
    },
    readSeeded,
    {
      method: 'PATCH',
      path: USERS,
      headers: { ...proxy, authorization, 'content-type': 'application/json' },
      setupRequest: (request, context: ConnectionContext) => ({
        ...request,
        // Without a registration of its own (it failed), the connection renames a seeded user, any version.
        path: `${USERS}/${context.id ?? seeded[0]}`,
        headers: { ...request.headers, 'if-match': context.id === undefined ? '*' : (context.etag ?? '*') },
        body: JSON.stringify({ first_name: `Renamed${Date.now() % 1000}` }),
      }),
      onResponse: (status, _body, context: ConnectionContext, headers) => {
        if (status === 200 && headers?.etag) context.etag = headers.etag
      },
    },
    readSeeded,
    { method: 'GET', path: `${USERS}?limit=20`, headers: { ...proxy, authorization } },
  ]
}

/** Registers the users the load reads; a refusal is a `connection` error (the load cannot run). */
export async function seedUsers(
  baseUrl: string,
  token: string,
  timeoutMs: number,
  newId: () => string,
): Promise<string[]> {
  const ids: string[] = []
  for (let n = 0; n < SEEDED_USERS; n += 1) {
    const created = await httpRequest(`${baseUrl}${USERS}`, {
      method: 'POST',
      headers: { ...behindTlsProxy(baseUrl), authorization: `Bearer ${token}` },
      body: { email: `load-seed+${newId()}@example.com`, first_name: 'Seed', last_name: 'User' },
      timeoutMs,
    })
    const id = (jsonBody(created) as { id?: unknown } | undefined)?.id
    if (created.status !== 201 || typeof id !== 'string') {
      throw new CliError(
        'connection',
        `cannot prepare the load: POST ${USERS} answered ${created.status}: ${created.body.slice(0, 200)}`,
      )
    }
    ids.push(id)
  }
  return ids
}
