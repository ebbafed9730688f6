// Property-based hostile input against the listening users service (PGlite in memory): bodies,
// headers, query strings, path params, JWTs, carrying SQL, control characters, newlines, lone
// surrogates, Unicode look-alikes and prototype-pollution keys. Invariants: never a 500, never a
// crash, never a write by a refused request, every log line one JSON object, no injected line.
import { createExecutor, uuidv7 } from '@eventcore/core'
import { createSqlIdempotencyStore, openPgliteStore, type SqlEventStore } from '@eventcore/postgres'
import { buildApp, loadConfig } from '@eventcore/service'
import { parseLogLine } from '@eventcore/service/testing'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { SignJWT, UnsecuredJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureUsersReadModel } from '../users/index.js'
import { usersService } from '../users-service.js'
import { TEST_SECRET } from './harness.js'

const SQL = [
  "' OR '1'='1",
  "'; DROP TABLE events; --",
  '" OR ""="',
  '1; SELECT pg_sleep(10)',
  "' UNION SELECT payload FROM idempotency_keys --",
  '$1',
  "%' --",
  '\\x00',
  'users:*',
]
const CONTROL = ['\u0000', '\n', '\r', '\r\n', '\t', '\u0007', '\u001b[31m', '\u007f', '\u0085', '\u2028', '\u2029']
const INJECTED_LINE = '\n{"level":60,"injected":true,"msg":"INJECTED"}\n'
const UNICODE = ['\ud800', '\udfff', 'a\ud83d', '\ufeff', '\u202e', '\u200b', 'Ⓐ', '𝒜', 'ﬀ', 'İ', 'ß']
const LOOKALIKE_EMAILS = [
  'аda@example.com', // Cyrillic а
  'ada@exаmple.com',
  'ada@example.com\u200b',
  'ＡＤＡ@example.com',
  'ada@xn--xample-2of.com',
  'ada@example.com.',
  ' ada@example.com',
  'ada@@example.com',
  '"ada"@example.com',
  'ada+\u0000@example.com',
  'ada\n@example.com',
]
const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '$where']

/** A string an attacker would send: SQL, control characters, odd Unicode, or arbitrary code points. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SQL, ...CONTROL, ...UNICODE, ...LOOKALIKE_EMAILS, INJECTED_LINE),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...SQL, ...CONTROL, ...UNICODE, INJECTED_LINE))
    .map(([a, b]) => `${a}${b}`),
)
/** Something a header can carry (fetch refuses NUL, CR and LF itself; raw sockets test those). */
const headerString = fc
  .string({
    unit: fc
      .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
      .map((c) => String.fromCharCode(c)),
    maxLength: 300,
  })
  .map((s) => s.trim())
const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom(...FORBIDDEN_KEYS, 'prototype'), hostileString, { maxKeys: 2 }),
)

/** A JSON object written by hand, so `__proto__` is sent as a key, not dropped by JSON.stringify. */
const objectText = (entries: ReadonlyArray<readonly [string, unknown]>) =>
  `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`

/** A path segment as a client would encode it (a lone surrogate cannot be: it is sent as U+FFFD). */
const encodeSegment = (text: string) => {
  try {
    return encodeURIComponent(text)
  } catch {
    return encodeURIComponent(Buffer.from(text).toString())
  }
}

/**
 * Cases sent at once per generated batch: client and server share one process, and overlapping
 * requests is most of what keeps 10,000 cases within seconds. A case is one request.
 */
const BATCH = 4
const batchOf = <T>(arbitrary: fc.Arbitrary<T>) => fc.array(arbitrary, { minLength: BATCH, maxLength: BATCH })
const eachAtOnce = async <T>(cases: readonly T[], check: (one: T) => Promise<void>) => {
  await Promise.all(cases.map(check))
}

const counts: Record<string, number> = {}
const tried = (property: string) => {
  counts[property] = (counts[property] ?? 0) + 1
}

describe('hostile input against the users service (property-based)', () => {
  let app: FastifyInstance
  let store: SqlEventStore
  let base: string
  const logLines: string[] = []
  let admin: string
  let operator: string
  let existingId: string
  /** Events one registration appends (measured), so a partial write shows in the totals. */
  let eventsPerRegistration = 0
  const eventCount = async () =>
    (await store.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${store.schema.quoted}.events`))[0]?.n ?? 0

  beforeAll(async () => {
    const loaded = loadConfig({
      NODE_ENV: 'test',
      EVENTCORE_LOG_LEVEL: 'info',
      EVENTCORE_JWT_SECRET: TEST_SECRET,
      EVENTCORE_JWT_AUDIENCE: 'users-api',
      EVENTCORE_DATA_DIR: 'memory://',
      EVENTCORE_RATE_LIMIT_MAX: '1000000',
    })
    if (!loaded.ok) throw new Error(loaded.problems.join('; '))
    store = await openPgliteStore({ dataDir: 'memory://', schema: 'hostile' })
    await ensureUsersReadModel(store)
    app = await buildApp(loaded.config, usersService, {
      store,
      executor: createExecutor({ store, timeoutMs: 5000 }),
      newId: uuidv7,
      idempotency: createSqlIdempotencyStore(store),
      logStream: { write: (chunk: string) => logLines.push(chunk) },
    })
    base = await app.listen({ port: 0, host: '127.0.0.1' })
    admin = await sign({ sub: 'hostile-admin', roles: ['admin'] })
    operator = await sign({ sub: 'hostile-operator', roles: ['operator'] })
    const empty = await eventCount()
    const created = await call('POST', '/api/v1/users', {
      token: admin,
      body: JSON.stringify({ email: 'existing@example.com', first_name: 'Ada', last_name: 'Lovelace' }),
    })
    existingId = ((await created.json()) as { id: string }).id
    eventsPerRegistration = (await eventCount()) - empty
  }, 30_000)

  afterAll(async () => {
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0)
    console.log(`hostile cases tried: ${total} (${JSON.stringify(counts)})`)
    await app?.close()
    await store?.close()
  })

  function sign(claims: { sub?: string; roles?: unknown; aud?: string; exp?: number; nbf?: number; iat?: number }) {
    const now = Math.floor(Date.now() / 1000)
    const { sub, aud = 'users-api', exp = now + 300, iat = now, nbf, roles = ['user'] } = claims
    const jwt = new SignJWT({ roles, ...(nbf === undefined ? {} : { nbf }) })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(aud)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
    return (sub === undefined ? jwt : jwt.setSubject(sub)).sign(new TextEncoder().encode(TEST_SECRET))
  }

  async function call(
    method: string,
    path: string,
    { token, body, headers = {} }: { token?: string; body?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    return fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined || method === 'GET' ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined || method === 'GET' ? {} : { body }),
    })
  }

  /** Every answer: a status below 500 and, for an error, a problem document. */
  async function expectSafe(response: Response, allowed: readonly number[]): Promise<unknown> {
    const text = await response.text()
    expect(response.status, text.slice(0, 300)).toBeLessThan(500)
    expect(allowed, `${response.status} ${text.slice(0, 300)}`).toContain(response.status)
    if (response.status >= 400) expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    return text === '' ? undefined : JSON.parse(text)
  }

  const pathSegment = fc.oneof(
    hostileString.map(encodeSegment),
    fc.constantFrom('%zz', '%', '%00', '%0a', '%c0%ae', '..', '%2e%2e%2f', ';', 'a'.repeat(150), '%E0%A4%A'),
    fc.uuid(),
  )

  it('refuses every request without a valid token (401, or 400/404/405/414 before routing), writing nothing', async () => {
    const now = Math.floor(Date.now() / 1000)
    const badToken = fc.oneof(
      fc.constant(undefined),
      headerString,
      fc.constantFrom('', 'Bearer', 'a.b.c', 'e30.e30.', `${'A'.repeat(8000)}.x.y`),
      hostileString.map((sub) =>
        new UnsecuredJWT({ roles: ['admin'] }).setSubject(sub).setAudience('users-api').encode(),
      ),
      fc
        .record({ sub: hostileString })
        .chain(({ sub }) =>
          fc.constantFrom(
            { sub, exp: now - 60 },
            { sub, nbf: now + 3600 },
            { sub, aud: 'billing-api' },
            { sub, iat: now - 86_400 },
            { sub: `${sub}\u0000` },
            { sub: `${sub}\n{"injected":true}` },
            { sub: `${sub}\ud800` },
          ),
        )
        .map((claims) => ({ claims })),
    )
    const route = fc.oneof(
      fc.constant({ method: 'POST', path: '/api/v1/users' }),
      pathSegment.map((id) => ({ method: 'GET', path: `/api/v1/users/${id}` })),
      pathSegment.map((id) => ({ method: 'PATCH', path: `/api/v1/users/${id}` })),
      pathSegment.map((id) => ({ method: 'POST', path: `/api/v1/users/${id}/deactivate` })),
      fc.constant({ method: 'PATCH', path: '/api/v1/users/EXISTING' }),
      fc.constant({ method: 'POST', path: '/api/v1/users/EXISTING/deactivate' }),
    )
    const body = fc.array(fc.tuple(fc.oneof(hostileString, fc.constantFrom(...FORBIDDEN_KEYS)), jsonish), {
      maxLength: 4,
    })
    const before = await eventCount()
    await fc.assert(
      fc.asyncProperty(batchOf(fc.tuple(badToken, route, body)), (cases) =>
        eachAtOnce(cases, async ([token, { method, path }, entries]) => {
          tried('unauthorized')
          const bearer = token === undefined || typeof token === 'string' ? token : await sign(token.claims)
          const response = await call(method, path.replace('EXISTING', existingId), {
            ...(bearer === undefined
              ? {}
              : { headers: { authorization: bearer.startsWith('Bearer') ? bearer : `Bearer ${bearer}` } }),
            body: objectText(entries),
          })
          await expectSafe(response, [400, 401, 404, 405, 414])
        }),
      ),
      { numRuns: 2500 / BATCH },
    )
    expect(await eventCount()).toBe(before) // nothing else writes meanwhile
  }, 60_000)

  it('answers hostile registration bodies with 201, 400, 409 or 422, writing only on 201', async () => {
    let unique = 0
    let registrations = 0
    const before = await eventCount()
    const field = fc.oneof(hostileString, jsonish, fc.constantFrom('Ada', 'Lovelace'))
    const email = fc.oneof(
      fc.constantFrom(...LOOKALIKE_EMAILS, 'existing@example.com', 'EXISTING@example.com'),
      hostileString,
      fc.constant('fresh'),
    )
    const extra = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FORBIDDEN_KEYS), hostileString), jsonish), {
      maxLength: 2,
    })
    const query = fc.constantFrom('', '?x=1', '?__proto__[a]=1', "?q=' OR 1=1", '?a=%00')
    await fc.assert(
      fc.asyncProperty(batchOf(fc.tuple(email, field, field, extra, query)), (cases) =>
        eachAtOnce(cases, async ([address, first, last, more, search]) => {
          tried('register')
          const entries: Array<readonly [string, unknown]> = [
            ['email', address === 'fresh' ? `hostile.${++unique}@example.com` : address],
            ['first_name', first],
            ['last_name', last],
            ...more,
          ]
          const response = await call('POST', `/api/v1/users${search}`, { token: admin, body: objectText(entries) })
          const body = await expectSafe(response, [201, 400, 409, 422])
          if (response.status === 201) {
            registrations++
            const { id } = body as { id: string }
            expect(response.headers.get('location')).toBe(`/api/v1/users/${id}`)
          }
        }),
      ),
      { numRuns: 2000 / BATCH },
    )
    // Refusals wrote nothing, and each registration all of its events.
    expect(await eventCount()).toBe(before + registrations * eventsPerRegistration)
  }, 90_000)

  it('answers hostile list queries (cursors, limits, filters) with 200, 400 or 422', async () => {
    const cursor = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
      fc.constantFrom('YQBi', 'AA', 'eyJ9', Buffer.from('{"id":"\' OR 1=1"}').toString('base64url')),
      hostileString,
    )
    const param = fc.oneof(
      cursor.map((after) => ['after', after] as const),
      fc
        .oneof(hostileString, fc.integer().map(String), fc.constantFrom('1e3', '-1', '0x10', '201'))
        .map((limit) => ['limit', limit] as const),
      fc.oneof(hostileString, fc.constantFrom('active', 'deactivated')).map((status) => ['status', status] as const),
      fc.tuple(fc.oneof(fc.constantFrom(...FORBIDDEN_KEYS), hostileString), hostileString),
    )
    await fc.assert(
      fc.asyncProperty(batchOf(fc.array(param, { maxLength: 4 })), (cases) =>
        eachAtOnce(cases, async (params) => {
          tried('list-query')
          const search = new URLSearchParams(params.map(([key, value]) => [key, value] as [string, string]))
          const response = await call('GET', `/api/v1/users?${search}`, { token: operator })
          await expectSafe(response, [200, 400, 422])
        }),
      ),
      { numRuns: 1500 / BATCH },
    )
  }, 60_000)

  it('answers hostile user ids in paths with 4xx and writes nothing', async () => {
    const method = fc.constantFrom(
      ['GET', ''] as const,
      ['PATCH', ''] as const,
      ['POST', '/deactivate'] as const,
      ['DELETE', ''] as const,
    )
    const before = await eventCount()
    await fc.assert(
      fc.asyncProperty(batchOf(fc.tuple(method, pathSegment)), (cases) =>
        eachAtOnce(cases, async ([[verb, suffix], id]) => {
          tried('path-param')
          const response = await call(verb, `/api/v1/users/${id}${suffix}`, {
            token: admin,
            body: JSON.stringify({ first_name: 'Changed' }),
            headers: { 'if-match': '"1"' },
          })
          // A well-formed id of no user is 404; anything else refused before the store.
          await expectSafe(response, [400, 404, 405, 414, 428])
        }),
      ),
      { numRuns: 1500 / BATCH },
    )
    expect(await eventCount()).toBe(before)
  }, 60_000)

  it('answers hostile headers (correlation ids, idempotency keys, If-Match, types) with no 500', async () => {
    const header = fc.record(
      {
        'x-correlation-id': headerString,
        'idempotency-key': headerString,
        'if-match': fc.oneof(headerString, fc.constantFrom('*', '"1"', 'W/"1"', '"1", "2"', '"-1"', '"1e9"')),
        'content-type': fc.constantFrom(
          'application/json',
          'application/json; charset=latin1',
          'application/JSON',
          'application/json; charset=utf-16',
          'application/x-www-form-urlencoded',
          'text/plain',
          'application/json, text/plain',
          'multipart/form-data; boundary=x',
        ),
        accept: fc.oneof(headerString, fc.constantFrom('application/xml', '*/*', 'text/html;q=0')),
      },
      { requiredKeys: [] },
    )
    await fc.assert(
      fc.asyncProperty(batchOf(fc.tuple(header, fc.boolean())), (cases) =>
        eachAtOnce(cases, async ([headers, patch]) => {
          tried('headers')
          const response = patch
            ? await call('PATCH', `/api/v1/users/${existingId}`, {
                token: admin,
                body: JSON.stringify({ last_name: 'Lovelace' }),
                headers,
              })
            : await call('GET', `/api/v1/users/${existingId}`, { token: admin, headers })
          await expectSafe(response, [200, 304, 400, 406, 409, 412, 415, 422, 428])
        }),
      ),
      { numRuns: 1500 / BATCH },
    )
  }, 60_000)

  it('accepts exactly the well-signed tokens whose subject is fit, and names that subject', async () => {
    const fit = (sub: string) =>
      sub.length >= 1 &&
      sub.length <= 256 &&
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what makes a subject unfit
      !/[\u0000-\u001f\u007f-\u009f]|[\ud800-\udfff]/u.test(sub)
    const roles = fc.oneof(
      fc.constant(['user']),
      fc.array(fc.oneof(hostileString, fc.constantFrom('admin', 'operator', 'user', '__proto__')), { maxLength: 3 }),
      jsonish,
    )
    await fc.assert(
      fc.asyncProperty(batchOf(fc.tuple(fc.oneof(hostileString, fc.string({ maxLength: 300 })), roles)), (cases) =>
        eachAtOnce(cases, async ([sub, granted]) => {
          tried('jwt-subject')
          const response = await call('GET', '/api/v1/me', { token: await sign({ sub, roles: granted }) })
          const body = await expectSafe(response, [200, 401])
          expect(response.status).toBe(fit(sub) ? 200 : 401)
          if (response.status === 200) expect((body as { subject: string }).subject).toBe(sub)
        }),
      ),
      { numRuns: 1000 / BATCH },
    )
  }, 60_000)

  it('wrote every log line as one JSON object with each key once, and no injected line', () => {
    const lines = logLines
      .join('')
      .split('\n')
      .filter((line) => line !== '')
    expect(lines.length).toBeGreaterThan(10_000)
    for (const line of lines) {
      const parsed = parseLogLine(line)
      if (!parsed.ok) throw new Error(parsed.problem)
      const { entry } = parsed
      expect(entry, line).not.toHaveProperty('injected')
      expect((entry as { msg?: unknown }).msg, line).not.toBe('INJECTED')
      expect(line).not.toMatch(/"level":50|"level":60/) // nothing was an internal error
    }
  })
})
