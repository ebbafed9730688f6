// What the built service writes while it is sent credentials and personal data every way a client
// can: at log level trace (every line there is), each line must be one JSON object with each key
// once, and none of what was sent may appear in its output, whatever the answer was.
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { assertBuilt, type ChildService, parseLogLine, spawnService } from '@eventcore/service/testing'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAIN_SCRIPT } from './main-script.js'

const SECRET = `log-redaction-secret-${randomBytes(12).toString('hex')}`
const RATE_LIMIT = 40
const BODY_LIMIT = 1024

// Unique per run, so a hit can only be what this test sent.
const mark = randomBytes(5).toString('hex')
const sent = {
  email: `ada.${mark}@example.com`,
  newEmail: `countess.${mark}@example.org`,
  badEmail: `not-an-address-${mark}`,
  queryEmail: `query.${mark}@example.net`,
  pathEmail: `path.${mark}@example.net`,
  hugeEmail: `huge.${mark}@example.com`,
  textEmail: `text.${mark}@example.com`,
  brokenEmail: `broken.${mark}@example.com`,
  firstName: `Adelaide${mark}`,
  lastName: `Lovelacey${mark}`,
  newFirstName: `Augusta${mark}`,
  claimEmail: `claim.${mark}@example.com`,
  claimName: `Claimant${mark}`,
  cookie: `sid-${mark}-cookie`,
  apiKey: `key-${mark}-api`,
  authToken: `tok-${mark}-header`,
  password: `pw-${mark}-hunter2`,
  secret: `sec-${mark}-body`,
  token: `tok-${mark}-body`,
  bodyApiKey: `key-${mark}-body`,
  correlation: `corr-${mark}-${'x'.repeat(300)}`,
}

const sign = (claims: Record<string, unknown>, secret: string, expiresAt: number) =>
  new SignJWT({ roles: ['admin'], email: sent.claimEmail, name: sent.claimName, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(claims.sub ?? 'log-admin'))
    .setIssuedAt(Math.min(expiresAt - 60, Math.floor(Date.now() / 1000)))
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(secret))

/** A request line and headers with a malformed header after the token: Node's parser refuses it. */
function malformedRequest(url: string, token: string): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      answer += chunk
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(answer))
    socket.write(
      `POST /api/v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nCookie: ${sent.cookie}\r\n` +
        `Bad Header ${sent.email}\r\n\r\n`,
    )
  })
}

describe('the logs of the users service (log level trace)', () => {
  let service: ChildService
  let output = ''
  const statuses: Record<string, number> = {}
  const tokens: Record<string, string> = {}

  beforeAll(async () => {
    assertBuilt(MAIN_SCRIPT)
    service = await spawnService(MAIN_SCRIPT, {
      EVENTCORE_JWT_SECRET: SECRET,
      EVENTCORE_DATA_DIR: 'memory://',
      EVENTCORE_LOG_LEVEL: 'trace',
      EVENTCORE_RATE_LIMIT_MAX: String(RATE_LIMIT),
      EVENTCORE_BODY_LIMIT_BYTES: String(BODY_LIMIT),
    })
    const now = Math.floor(Date.now() / 1000)
    tokens.admin = await sign({ sub: 'log-admin' }, SECRET, now + 300)
    tokens.user = await sign({ sub: 'log-user', roles: ['user'] }, SECRET, now + 300)
    tokens.hammer = await sign({ sub: 'log-hammer' }, SECRET, now + 300)
    tokens.forged = await sign({ sub: 'log-forger' }, `${SECRET}-but-not-the-one`, now + 300)
    tokens.expired = await sign({ sub: 'log-expired' }, SECRET, now - 120)

    // Every request also carries the credentials a browser or a client library might add.
    const call = async (name: string, path: string, init: RequestInit & { token?: string; json?: unknown } = {}) => {
      const { token, json, headers, ...rest } = init
      const response = await fetch(`${service.url}${path}`, {
        ...rest,
        headers: {
          cookie: `session=${sent.cookie}`,
          'x-api-key': sent.apiKey,
          'x-auth-token': sent.authToken,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
          ...Object.fromEntries(new Headers(headers).entries()),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      })
      statuses[name] = response.status
      return response
    }

    const registered = await call('register', '/api/v1/users', {
      method: 'POST',
      token: tokens.admin,
      json: { email: sent.email, first_name: sent.firstName, last_name: sent.lastName },
    })
    const user = (await registered.json()) as { id: string; version: number }
    await (await call('get', `/api/v1/users/${user.id}`, { token: tokens.admin })).text()
    await (
      await call('update', `/api/v1/users/${user.id}`, {
        method: 'PATCH',
        token: tokens.admin,
        headers: { 'if-match': `"${user.version}"` },
        json: { email: sent.newEmail, first_name: sent.newFirstName },
      })
    ).text()
    await (
      await call('stale', `/api/v1/users/${user.id}`, {
        method: 'PATCH',
        token: tokens.admin,
        headers: { 'if-match': `"${user.version}"` },
        json: { last_name: sent.lastName },
      })
    ).text()
    await (
      await call('duplicate', '/api/v1/users', {
        method: 'POST',
        token: tokens.admin,
        json: { email: sent.newEmail, first_name: sent.firstName, last_name: sent.lastName },
      })
    ).text()
    await (
      await call('credentials in the body', '/api/v1/users', {
        method: 'POST',
        token: tokens.admin,
        json: {
          email: sent.email,
          first_name: sent.firstName,
          last_name: sent.lastName,
          password: sent.password,
          secret: sent.secret,
          token: sent.token,
          apiKey: sent.bodyApiKey,
        },
      })
    ).text()
    await (
      await call('invalid e-mail', '/api/v1/users', {
        method: 'POST',
        token: tokens.admin,
        json: { email: sent.badEmail, first_name: sent.firstName, last_name: sent.lastName },
      })
    ).text()
    await (
      await call('malformed JSON', '/api/v1/users', {
        method: 'POST',
        token: tokens.admin,
        headers: { 'content-type': 'application/json' },
        body: `{"email": "${sent.brokenEmail}", "first_name": "${sent.firstName}",`,
      })
    ).text()
    await (
      await call('text body', '/api/v1/users', {
        method: 'POST',
        token: tokens.admin,
        headers: { 'content-type': 'text/plain' },
        body: `email=${sent.textEmail}&password=${sent.password}`,
      })
    ).text()
    await (
      await call('too large', '/api/v1/users', {
        method: 'POST',
        token: tokens.admin,
        json: { email: sent.hugeEmail, first_name: sent.firstName, last_name: sent.lastName.repeat(100) },
      })
    ).text()
    await (await call('forged token', '/api/v1/users', { token: tokens.forged })).text()
    await (await call('expired token', '/api/v1/users', { token: tokens.expired })).text()
    await (await call('no token', '/api/v1/users')).text()
    await (await call('forbidden', `/api/v1/users/${user.id}`, { token: tokens.user })).text()
    await (
      await call('e-mail in the query', `/api/v1/users?email=${sent.queryEmail}&after=${sent.queryEmail}`, {
        token: tokens.admin,
      })
    ).text()
    await (await call('e-mail as an id', `/api/v1/users/${sent.pathEmail}`, { token: tokens.admin })).text()
    await (await call('e-mail in an unknown path', `/api/v1/nothing/${sent.pathEmail}`, { token: tokens.admin })).text()
    await (
      await call('bad correlation id', '/api/v1/users', {
        token: tokens.admin,
        headers: { 'x-correlation-id': sent.correlation },
      })
    ).text()
    for (let i = 0; i <= RATE_LIMIT; i++) {
      await (await call('rate limited', `/api/v1/users/${user.id}`, { token: tokens.hammer })).text()
    }
    const answer = await malformedRequest(service.url, tokens.admin)
    statuses['malformed HTTP'] = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1])

    // All of it written: the process has ended.
    service.signal('SIGTERM')
    await service.exited
    const { stdout, stderr } = service.output()
    output = `${stdout}\n${stderr}`
  }, 60_000)
  afterAll(() => service?.kill())

  it('was answered as each case asks (so every path below was taken)', () => {
    expect(statuses).toEqual({
      register: 201,
      get: 200,
      update: 200,
      stale: 412,
      duplicate: 409,
      'credentials in the body': 400,
      'invalid e-mail': 400,
      'malformed JSON': 400,
      'text body': 415,
      'too large': 413,
      'forged token': 401,
      'expired token': 401,
      'no token': 401,
      forbidden: 403,
      'e-mail in the query': 400,
      'e-mail as an id': 400,
      'e-mail in an unknown path': 404,
      'bad correlation id': 400,
      'rate limited': 429,
      'malformed HTTP': 400,
    })
  })

  it('writes one JSON object per log line, each key once', () => {
    // Lines that are not log lines: the banner of runService (where it listens, its routes).
    const banner = /^(.* listening at http:\/\/\S+| {2}(API docs|OpenAPI|health): .*|)$/
    const lines = output.split('\n').filter((line) => !banner.test(line))
    expect(lines.length).toBeGreaterThan(50)
    const problems = lines.flatMap((line) => {
      const parsed = parseLogLine(line)
      return parsed.ok ? [] : [parsed.problem]
    })
    expect(problems).toEqual([])
  })

  it('writes none of the credentials, tokens or personal data it was sent', () => {
    const payloadOf = (token: string) => token.split('.')[1] ?? token
    const secrets = {
      ...sent,
      jwtSecret: SECRET,
      ...Object.fromEntries(
        Object.entries(tokens).flatMap(([k, t]) => [
          [`${k} token`, t],
          [`${k} payload`, payloadOf(t)],
        ]),
      ),
      // The malformed request's bytes, as a serialized Buffer would list them.
      rawBytes: [...Buffer.from(`Bearer ${tokens.admin}`)].join(','),
    }
    const found = Object.entries(secrets)
      .filter(([, value]) => output.includes(value))
      .map(([name]) => name)
    expect(found).toEqual([])
  })
})
