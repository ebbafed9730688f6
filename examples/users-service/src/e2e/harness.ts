// Test support for the service's e2e tests (not exported): a real listening service on a free
// port, on an in-memory PGlite or, with EVENTCORE_TEST_DATABASE_URL, a fresh PostgreSQL schema.
import type { GlobalCursor, RecordedEvent } from '@eventcore/core'
import { loadConfig, mintToken, type RunningService, type StartOptions } from '@eventcore/service'
import pg from 'pg'
import type { Static, TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { expect } from 'vitest'
import { ProblemBody, UserBody } from '../http/schemas.js'
import type { Role } from '../roles.js'
import { startUsersService } from '../users-service.js'

/** The real PostgreSQL the e2e tests also run on, when CI (or you) set one. */
export const databaseUrl = process.env.EVENTCORE_TEST_DATABASE_URL

/** The stores every e2e suite runs on: PGlite always, PostgreSQL when a URL is set. */
export const STORES: readonly ('pglite' | 'postgres')[] = databaseUrl ? ['pglite', 'postgres'] : ['pglite']

/** The HS256 secret test services verify tokens with. */
export const TEST_SECRET = 'an-e2e-secret-that-is-at-least-32-bytes-long'

let schemas = 0
const uniqueSchema = () => `ec_e2e_${process.pid}_${Date.now().toString(36)}_${++schemas}`

/** A started test service and ways to call it. */
export interface TestService extends RunningService {
  /** A token for `sub` with `roles`, signed with {@link TEST_SECRET}. */
  token(roles: readonly Role[], sub?: string): Promise<string>
  /** `fetch` against the service, with `Authorization: Bearer <token>` when `token` is given. */
  call(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>
}

/**
 * Starts the service as `npm start` would, with `env` on top of test defaults (port 0, silent
 * logs, a known secret), and drops its PostgreSQL schema on close.
 */
export async function startTestService(
  store: 'pglite' | 'postgres',
  env: Readonly<Record<string, string>> = {},
  options: StartOptions = {},
): Promise<TestService> {
  const schema = uniqueSchema()
  const loaded = loadConfig({
    NODE_ENV: 'test',
    EVENTCORE_PORT: '0',
    EVENTCORE_HOST: '127.0.0.1',
    EVENTCORE_LOG_LEVEL: 'silent',
    EVENTCORE_JWT_SECRET: TEST_SECRET,
    EVENTCORE_DATA_DIR: 'memory://',
    EVENTCORE_DATABASE_SCHEMA: schema,
    ...(store === 'postgres' && databaseUrl ? { EVENTCORE_DATABASE_URL: databaseUrl } : {}),
    ...env,
  })
  if (!loaded.ok) throw new Error(`test configuration: ${loaded.problems.join('; ')}`)
  const service = await startUsersService(loaded.config, options)
  const { config } = loaded
  return {
    ...service,
    token: (roles, sub = 'test-admin') =>
      mintToken({
        secret: TEST_SECRET,
        sub,
        roles,
        ttlSeconds: 300,
        ...(config.auth.options.audience ? { audience: config.auth.options.audience } : {}),
        ...(config.auth.options.issuer ? { issuer: config.auth.options.issuer } : {}),
        now: new Date(),
      }),
    call: (path, { token, json, headers, ...init } = {}) =>
      fetch(`${service.url}${path}`, {
        ...init,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
          ...Object.fromEntries(new Headers(headers).entries()),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      }),
    close: async () => {
      await service.close()
      if (store === 'postgres' && databaseUrl) {
        const admin = new pg.Client({ connectionString: databaseUrl })
        await admin.connect()
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        await admin.end()
      }
    },
  }
}

/**
 * The body of `response`, checked against `schema` (a response schema of `http/schemas.ts`), so a
 * test reads typed fields and a body of the wrong shape fails with what was wrong.
 */
export async function bodyOf<S extends TSchema>(response: Response, schema: S): Promise<Static<S>> {
  const body: unknown = await response.json()
  if (!Value.Check(schema, body)) {
    const issues = [...Value.Errors(schema, body)].map((e) => `${e.instancePath} ${e.message}`)
    throw new Error(`${response.status} body does not match the schema (${issues.join('; ')}): ${JSON.stringify(body)}`)
  }
  return body
}

// What must never leave the process: stack frames, source paths, SQL, driver errors.
const LEAKS =
  /\bat .+:\d+:\d+|node_modules|\.[jt]s:\d+|\b(SELECT|INSERT|UPDATE|DELETE)\b .*\b(FROM|INTO|SET)\b|\bpg_|SQLSTATE/

/**
 * Expects an RFC 9457 answer: `status`, `application/problem+json`, `type`/`title`/`status`/
 * `detail`/`correlationId` (the one in `X-Correlation-Id`), the problem `urn:eventcore:problem:<slug>`,
 * and nothing of the inside (stack, SQL). Returns the body for further checks.
 */
export async function expectProblem(
  response: Response,
  status: number,
  slug: string,
): Promise<Static<typeof ProblemBody> & { readonly [member: string]: unknown }> {
  const text = await response.text()
  expect(response.status, text).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  expect(text).not.toMatch(LEAKS)
  const body: unknown = JSON.parse(text)
  if (!Value.Check(ProblemBody, body)) throw new Error(`not a problem document: ${text}`)
  expect(body).toMatchObject({ type: `urn:eventcore:problem:${slug}`, status })
  expect(body.title).not.toBe('')
  expect(body.detail).not.toBe('')
  expect(body.correlationId).toBe(response.headers.get('x-correlation-id'))
  return body
}

/**
 * Polls `probe` until it returns something other than `undefined`, backing off from 10 ms to
 * 200 ms between attempts, and fails after `timeoutMs`: for eventually consistent reads (the list
 * projection), never a fixed sleep.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, { timeoutMs = 10_000 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, pause))
  }
}

let emails = 0
/** An address no other test (or run, on a shared database) uses. */
export const uniqueEmail = (label: string): string =>
  `${label}.${process.pid}.${Date.now().toString(36)}.${++emails}@example.com`

/** A registration body with a fresh address; `overrides` replace its fields. */
export const newUser = (label: string, overrides: Record<string, unknown> = {}) => ({
  email: uniqueEmail(label),
  first_name: 'Ada',
  last_name: 'Lovelace',
  ...overrides,
})

/** Registers a user as an admin (or with `token`) and returns it; fails unless the answer is 201. */
export async function registered(
  service: TestService,
  { label = 'user', token }: { label?: string; token?: string } = {},
): Promise<Static<typeof UserBody>> {
  const response = await service.call('/api/v1/users', {
    method: 'POST',
    token: token ?? (await service.token(['admin'], `registrar-${label}`)),
    json: newUser(label),
  })
  if (response.status !== 201) throw new Error(`registering ${label}: ${response.status} ${await response.text()}`)
  return bodyOf(response, UserBody)
}

async function readFrom(service: TestService, after: GlobalCursor | undefined) {
  const events: RecordedEvent[] = []
  let cursor = after
  for (;;) {
    const page = await service.store.readAll(cursor === undefined ? {} : { after: cursor })
    events.push(...page.events)
    if (page.events.length === 0) return { events, cursor: page.cursor }
    cursor = page.cursor
  }
}

/** The events appended to the service's store while `action` ran (nothing else writes meanwhile). */
export async function eventsWrittenBy(service: TestService, action: () => Promise<unknown>): Promise<RecordedEvent[]> {
  const { cursor } = await readFrom(service, undefined)
  await action()
  return (await readFrom(service, cursor)).events
}
