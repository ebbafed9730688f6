import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPgliteStore, openPostgresStore, type SqlEventStore } from '@eventcore/postgres'
import { mintToken } from '@eventcore/service'
import { assertBuilt, type ChildService, runToExit, spawnService } from '@eventcore/service/testing'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { emailStream, isUserEvent, userStream } from '../users/index.js'
import { databaseUrl, STORES } from './harness.js'
import { MAIN_SCRIPT } from './main-script.js'

const SECRET = 'a-shutdown-e2e-secret-of-at-least-32-bytes'
const SHUTDOWN_TIMEOUT_MS = 5000
const CLIENTS = 16
const SUCCESSES_BEFORE_SIGTERM = 60
const run = `${process.pid}-${Date.now().toString(36)}`

const adminToken = () =>
  mintToken({ secret: SECRET, sub: 'shutdown-e2e', roles: ['admin'], ttlSeconds: 300, now: new Date() })
const errorCode = (error: unknown): string =>
  error instanceof Error && error.cause instanceof Error && 'code' in error.cause
    ? String(error.cause.code)
    : String(error)

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1
  return counts
}

const started: ChildService[] = []
const dirs: string[] = []
const schemas: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'eventcore-shutdown-e2e-'))
  dirs.push(dir)
  return dir
}
async function start(env: Readonly<Record<string, string>>): Promise<ChildService> {
  const service = await spawnService(MAIN_SCRIPT, { EVENTCORE_JWT_SECRET: SECRET, ...env })
  started.push(service)
  return service
}

beforeAll(() => assertBuilt(MAIN_SCRIPT))
afterEach(async () => {
  await Promise.all(started.splice(0).map((service) => service.kill()))
})
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  if (!databaseUrl || schemas.length === 0) return
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await admin.end()
})

/** What one POST got: a response, or the client error (ECONNREFUSED once the listener is gone). */
interface Outcome {
  readonly email: string
  readonly afterSigterm: boolean
  readonly status?: number
  readonly body?: string
  readonly error?: string
}

/** Clients registering unique users until connections are refused; `onCreated` sees each 201. */
async function registerUntilRefused(
  url: string,
  token: string,
  onCreated: (created: number) => void,
  isSignalled: () => boolean,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  let created = 0
  const client = async (client: number) => {
    for (let i = 0; ; i++) {
      const email = `load-${run}-${client}-${i}@example.com`
      const afterSigterm = isSignalled()
      try {
        const response = await fetch(`${url}/api/v1/users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email, first_name: 'Load', last_name: `Client ${client}` }),
        })
        outcomes.push({ email, afterSigterm, status: response.status, body: await response.text() })
        if (response.status === 201) onCreated(++created)
      } catch (error) {
        outcomes.push({ email, afterSigterm, error: errorCode(error) })
        if (errorCode(error) === 'ECONNREFUSED') return
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)))
  return outcomes
}

/** Polls `/ready` until refused; what it saw, in order. */
async function pollReady(url: string): Promise<string[]> {
  const seen: string[] = []
  for (;;) {
    try {
      const response = await fetch(`${url}/ready`)
      const body = await response.text()
      const state = response.status === 503 && body.includes('"state":"draining"') ? ' draining' : ''
      seen.push(`${response.status}${state}`)
    } catch (error) {
      seen.push(errorCode(error))
      if (errorCode(error) === 'ECONNREFUSED') return seen
    }
  }
}

/** Every user and e-mail claim in the store, from the global log. */
async function audit(store: SqlEventStore) {
  const users = new Map<string, string>()
  const claims = new Map<string, string>()
  for (let page = await store.readAll(); page.events.length > 0; page = await store.readAll({ after: page.cursor })) {
    for (const recorded of page.events) {
      if (isUserEvent(recorded) && recorded.type === 'UserRegistered')
        users.set(recorded.data.userId, recorded.data.email)
      const { data } = recorded
      if (recorded.type === 'EmailClaimed' && typeof data === 'object' && data !== null && 'userId' in data)
        claims.set(recorded.streamId, String(data.userId))
    }
  }
  return { users, claims }
}

describe.each(STORES)('the built service under load, on %s', (kind) => {
  it('drains on SIGTERM: exits 0 in time, answers no 5xx but clean 503s, and keeps every 201', async () => {
    const dataDir = join(tempDir(), 'data')
    const schema = `ec_e2e_shutdown_${run.replace('-', '_')}`
    if (kind === 'postgres') schemas.push(schema)
    const storeEnv: Record<string, string> =
      kind === 'postgres' && databaseUrl
        ? { EVENTCORE_DATABASE_URL: databaseUrl, EVENTCORE_DATABASE_SCHEMA: schema, EVENTCORE_DATA_DIR: 'memory://' }
        : { EVENTCORE_DATA_DIR: dataDir }
    const service = await start({
      ...storeEnv,
      EVENTCORE_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      EVENTCORE_RATE_LIMIT_MAX: '1000000',
    })
    const token = await adminToken()
    let signalledAt: number | undefined
    const ready = pollReady(service.url)
    const outcomes = await registerUntilRefused(
      service.url,
      token,
      (created) => {
        if (created !== SUCCESSES_BEFORE_SIGTERM) return
        signalledAt = performance.now()
        service.signal('SIGTERM')
      },
      () => signalledAt !== undefined,
    )
    const exit = await service.exited
    const exitedAfterMs = performance.now() - (signalledAt ?? Number.NaN)
    const readySeen = await ready

    // Soft, so that the durability checks below still run when shutdown overran.
    expect.soft(exit).toEqual({ code: 0, signal: null })
    expect.soft(exitedAfterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS)
    const answered = outcomes.filter((o) => o.status !== undefined)
    const unclean = answered.filter(
      (o) => o.status !== 201 && !(o.status === 503 && JSON.parse(o.body ?? '').statusCode === 503),
    )
    expect(unclean).toEqual([])
    // Once not ready, never ready again; the draining answer itself is seen only if a probe wins the race.
    const firstNotReady = readySeen.findIndex((seen) => seen !== '200')
    expect(readySeen.slice(firstNotReady).filter((seen) => seen === '200')).toEqual([])

    const acknowledged = answered
      .filter((o) => o.status === 201)
      .map((o) => ({ email: o.email, id: String(JSON.parse(o.body ?? '{}').id) }))
    expect(acknowledged.length).toBeGreaterThanOrEqual(SUCCESSES_BEFORE_SIGTERM)
    const store =
      kind === 'postgres' && databaseUrl
        ? await openPostgresStore({ connectionString: databaseUrl, schema })
        : await openPgliteStore({ dataDir })
    try {
      const streams = await store.readStreams(acknowledged.map((a) => userStream(a.id)))
      const registered = acknowledged.filter(({ id, email }) => {
        const first = streams.get(userStream(id))?.events[0]
        return (
          first !== undefined && isUserEvent(first) && first.type === 'UserRegistered' && first.data.email === email
        )
      })
      expect(registered).toEqual(acknowledged)
      // No partial writes: each user holds its address's claim and each claim belongs to a user.
      const { users, claims } = await audit(store)
      const unclaimed = [...users].filter(([id, email]) => claims.get(emailStream(email)) !== id)
      const orphanClaims = [...claims].filter(([stream, id]) => {
        const email = users.get(id)
        return email === undefined || emailStream(email) !== stream
      })
      expect({ unclaimed, orphanClaims }).toEqual({ unclaimed: [], orphanClaims: [] })
      expect(users.size).toBeGreaterThanOrEqual(acknowledged.length)
    } finally {
      await store.close()
    }
    const afterSigterm = outcomes.filter((o) => o.afterSigterm)
    console.info(
      `[${kind}] ${outcomes.length} requests, ${acknowledged.length} created (${afterSigterm.filter((o) => o.status === 201).length} after SIGTERM), ` +
        `503: ${answered.filter((o) => o.status === 503).length}, errors: ${JSON.stringify(countBy(outcomes.flatMap((o) => o.error ?? [])))}, ` +
        `exit ${Math.round(exitedAfterMs)} ms after SIGTERM; /ready saw ${JSON.stringify(countBy(readySeen))}`,
    )
  }, 120_000)
})

/**
 * A POST whose body is only half sent: the server has the request (it is in flight, its connection
 * busy) and waits for the rest, so shutdown has something to wait for. With `keepAlive` the client
 * leaves the connection open after the response, as browsers and HTTP agents do.
 */
function heldRegistration(url: string, token: string, { email, keepAlive }: { email: string; keepAlive: boolean }) {
  const { hostname, port } = new URL(url)
  const body = JSON.stringify({ email, first_name: 'Held', last_name: 'Request' })
  const half = Math.floor(body.length / 2)
  const socket = connect({ host: hostname, port: Number(port) })
  let raw = ''
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk
  })
  socket.on('error', () => {})
  socket.write(
    `POST /api/v1/users HTTP/1.1\r\nhost: ${hostname}:${port}\r\nauthorization: Bearer ${token}\r\n` +
      `connection: ${keepAlive ? 'keep-alive' : 'close'}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
  )
  return {
    finish: () => socket.write(body.slice(half)),
    /** The response's status line and headers, once they arrive. */
    head: new Promise<string>((resolve) => {
      const check = () => {
        const end = raw.indexOf('\r\n\r\n')
        if (end < 0) return
        socket.off('data', check)
        resolve(raw.slice(0, end))
      }
      socket.on('data', check)
      socket.once('close', () => resolve(raw))
    }),
    closed: new Promise<void>((resolve) => socket.once('close', () => resolve())),
  }
}

const IN_FLIGHT = /"msg":"request received"/
const SHUTTING_DOWN = /"msg":"shutting down"/
const CREATED = /^HTTP\/1\.1 201 /
const refused = (url: string) => fetch(`${url}/health`).then((r) => `${r.status}`, errorCode)

describe('the built service on signals', () => {
  const env = {
    EVENTCORE_DATA_DIR: 'memory://',
    EVENTCORE_LOG_LEVEL: 'debug', // for the "request received" line of a request in flight
    EVENTCORE_REQUEST_TIMEOUT_MS: '600000',
    EVENTCORE_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  }
  const startHolding = async (keepAlive: boolean) => {
    const service = await start(env)
    const email = `held-${run}-${Math.random().toString(36).slice(2)}@example.com`
    const held = heldRegistration(service.url, await adminToken(), { email, keepAlive })
    await service.waitForStdout(IN_FLIGHT)
    return { service, held }
  }

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'finishes the request in flight on %s, refusing new connections meanwhile, and exits 0',
    async (signal) => {
      const { service, held } = await startHolding(false)
      service.signal(signal)
      await service.waitForStdout(SHUTTING_DOWN)
      // Refused, or reset when the connection beat the listener's close into the backlog: never served.
      expect(['ECONNREFUSED', 'ECONNRESET']).toContain(await refused(service.url))
      held.finish()
      expect(await held.head).toMatch(CREATED)
      expect(await service.exited).toEqual({ code: 0, signal: null })
      expect(service.output().stdout).toContain(`"signal":"${signal}"`)
    },
    60_000,
  )

  it('closes a keep-alive connection after its response once draining, so shutdown does not wait for the client', async () => {
    const { service, held } = await startHolding(true)
    const signalledAt = performance.now()
    service.signal('SIGTERM')
    await service.waitForStdout(SHUTTING_DOWN)
    held.finish()
    const head = await held.head
    expect(head).toMatch(CREATED)
    expect(head).toMatch(/^connection: close$/im)
    expect(await service.exited).toEqual({ code: 0, signal: null })
    expect(performance.now() - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS)
  }, 60_000)

  it('keeps shutting down gracefully when a second SIGTERM and a SIGINT follow the first', async () => {
    const { service, held } = await startHolding(false)
    service.signal('SIGTERM')
    await service.waitForStdout(SHUTTING_DOWN)
    service.signal('SIGTERM')
    service.signal('SIGINT')
    held.finish()
    expect(await held.head).toMatch(CREATED)
    expect(await service.exited).toEqual({ code: 0, signal: null })
  }, 60_000)

  it('keeps serving for EVENTCORE_SHUTDOWN_DRAIN_MS with /ready at 503 draining, then exits 0', async () => {
    const drainMs = 1500
    const service = await start({ ...env, EVENTCORE_SHUTDOWN_DRAIN_MS: String(drainMs) })
    expect((await fetch(`${service.url}/ready`)).status).toBe(200)
    const signalledAt = performance.now()
    service.signal('SIGTERM')
    await service.waitForStdout(SHUTTING_DOWN)
    const ready = await fetch(`${service.url}/ready`)
    expect(ready.status).toBe(503)
    expect(ready.headers.get('content-type')).toMatch(/application\/problem\+json/)
    expect(ready.headers.get('connection')).toBe('close')
    expect(await ready.json()).toMatchObject({ type: 'urn:eventcore:problem:not-ready', state: 'draining' })
    const health = await fetch(`${service.url}/health`)
    expect(health.status).toBe(200) // alive: only readiness says "send no more"
    const me = await fetch(`${service.url}/api/v1/me`, { headers: { authorization: `Bearer ${await adminToken()}` } })
    expect(me.status).toBe(200) // still served while the load balancer catches up
    expect(await service.exited).toEqual({ code: 0, signal: null })
    expect(performance.now() - signalledAt).toBeGreaterThanOrEqual(drainMs)
  }, 60_000)

  it('exits 1 once EVENTCORE_SHUTDOWN_TIMEOUT_MS passes with a request still in flight', async () => {
    const timeoutMs = 1000
    const service = await start({ ...env, EVENTCORE_SHUTDOWN_TIMEOUT_MS: String(timeoutMs) })
    const held = heldRegistration(service.url, await adminToken(), {
      email: `stuck-${run}@example.com`,
      keepAlive: false,
    })
    await service.waitForStdout(IN_FLIGHT)
    const signalledAt = performance.now()
    service.signal('SIGTERM')
    expect(await service.exited).toEqual({ code: 1, signal: null })
    expect(performance.now() - signalledAt).toBeGreaterThanOrEqual(timeoutMs)
    expect(service.output().stdout).toContain('shutdown deadline passed')
    await held.closed
  }, 60_000)
})

// The last line of the start-up banner: `ready:` without a generated secret, the curl example with one.
const BANNER_END = /ready: \S+[^\n]*\n/
const DEV_BANNER_END = /-d '\{"email".*\n/
const DEV_TOKEN = /^ {2}export TOKEN=(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m

describe('the built service at start-up', () => {
  it('exits 1 listing every configuration problem, without the secret', async () => {
    const { code, stdout, stderr } = await runToExit(MAIN_SCRIPT, {
      EVENTCORE_PORT: 'abc',
      EVENTCORE_JWT_SECRET: 'tooShortSecret',
    })
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' })
    expect(stderr).toContain('The configuration has 2 problems')
    expect(stderr).toMatch(/^ {2}- EVENTCORE_PORT .*'abc'$/m)
    expect(stderr).toMatch(/^ {2}- EVENTCORE_JWT_SECRET must be at least 32 bytes/m)
    expect(stderr).not.toContain('tooShortSecret')
  })

  it('refuses to open a PGlite data directory another running service holds, and leaves it intact', async () => {
    const dataDir = join(tempDir(), 'data')
    const first = await start({ EVENTCORE_DATA_DIR: dataDir })
    const token = await adminToken()
    const email = `kept-${run}@example.com`
    const created = await fetch(`${first.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email, first_name: 'Kept', last_name: 'Safe' }),
    })
    expect(created.status).toBe(201)
    const second = await runToExit(MAIN_SCRIPT, { EVENTCORE_JWT_SECRET: SECRET, EVENTCORE_DATA_DIR: dataDir })
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(
      /is in use by process \d+; stop it, or set another data directory \(EVENTCORE_DATA_DIR\)$/m,
    )
    const { id } = (await created.json()) as { id: string }
    expect(
      (await fetch(`${first.url}/api/v1/users/${id}`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200)
  }, 60_000)

  it('refuses insecure settings in production, naming each', async () => {
    const { code, stdout, stderr } = await runToExit(MAIN_SCRIPT, {
      NODE_ENV: 'production',
      EVENTCORE_DATA_DIR: 'memory://',
      EVENTCORE_CORS_ORIGINS: '*',
      EVENTCORE_ENFORCE_HTTPS: 'false',
    })
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' })
    expect(stderr).toContain('The configuration has 3 problems')
    expect(stderr).toMatch(/^ {2}- NODE_ENV=production needs a JWT key/m)
    expect(stderr).toMatch(/^ {2}- EVENTCORE_CORS_ORIGINS='\*' is refused with NODE_ENV=production/m)
    expect(stderr).toMatch(/^ {2}- EVENTCORE_ENFORCE_HTTPS=false is refused with NODE_ENV=production/m)
  })

  it.each([
    ['with a configured secret', { EVENTCORE_JWT_SECRET: SECRET }, BANNER_END],
    ['with a generated development secret', {}, DEV_BANNER_END],
  ])(
    'says on the first start on PGlite, and only then, that it takes several seconds (%s)',
    async (_, secret, end) => {
      const dataDir = join(tempDir(), 'data')
      const notice = `Creating the embedded PostgreSQL database in ${dataDir}: the first start takes several seconds`
      for (const first of [true, false]) {
        const service = await spawnService(MAIN_SCRIPT, { ...secret, EVENTCORE_DATA_DIR: dataDir })
        started.push(service)
        await service.waitForStdout(end)
        // A request answered means main() has run to its end (signal handlers included): this test is
        // about the notice, not about signals during start-up (the last test here is).
        expect((await fetch(`${service.url}/health`)).status).toBe(200)
        service.signal('SIGTERM')
        const exit = await service.exited
        const { stdout, stderr } = service.output()
        expect(exit, stdout).toEqual({ code: 0, signal: null })
        expect(stderr.includes(notice), stderr).toBe(first)
      }
    },
    120_000,
  )

  it('prints an admin token in development without a secret, which the running server accepts', async () => {
    const service = await spawnService(MAIN_SCRIPT, { EVENTCORE_DATA_DIR: join(tempDir(), 'data') })
    started.push(service)
    await service.waitForStdout(DEV_TOKEN)
    const token = DEV_TOKEN.exec(service.output().stdout)?.[1]
    expect(token).toBeDefined()
    const response = await fetch(`${service.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ subject: 'dev-admin', roles: ['admin'] })
  }, 60_000)
  it('shuts down gracefully on a SIGTERM as soon as it says where it listens, before the development token', async () => {
    const service = await spawnService(MAIN_SCRIPT, { EVENTCORE_DATA_DIR: join(tempDir(), 'data') })
    started.push(service)
    service.signal('SIGTERM')
    expect(await service.exited).toEqual({ code: 0, signal: null })
  }, 60_000)
  // A container stopped while the embedded database is first created: Node as PID 1 has no default
  // SIGTERM handler, so an unhandled one would be ignored until SIGKILL; exiting at once could leave
  // a half-made data directory. Here (not PID 1) an unhandled SIGTERM would kill the process instead.
  it('holds a SIGTERM that comes while the embedded database is created, then stops cleanly, leaving it usable', async () => {
    const dataDir = join(tempDir(), 'data')
    const child = spawn(process.execPath, [MAIN_SCRIPT], {
      env: {
        PATH: process.env.PATH ?? '',
        EVENTCORE_HOST: '127.0.0.1',
        EVENTCORE_PORT: '0',
        EVENTCORE_LOG_LEVEL: 'info',
        EVENTCORE_JWT_SECRET: SECRET,
        EVENTCORE_DATA_DIR: dataDir,
        // What is tested is the hold, not the deadline: creating the database takes over 10 s (the
        // default) on a busy 2-core machine, and then the start would rightly be abandoned (exit 1).
        EVENTCORE_SHUTDOWN_TIMEOUT_MS: '50000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const output = { stdout: '', stderr: '' }
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output.stdout += chunk
    })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal })),
    )
    await new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        output.stderr += chunk
        if (output.stderr.includes('Creating the embedded PostgreSQL database')) resolve()
      })
    })
    child.kill('SIGTERM')
    expect(await exited, output.stderr).toEqual({ code: 0, signal: null })
    expect(output.stderr).toContain('SIGTERM while starting: stopping once the start has ended')
    expect(output.stdout).toContain('shutting down')

    const again = await spawnService(MAIN_SCRIPT, { EVENTCORE_JWT_SECRET: SECRET, EVENTCORE_DATA_DIR: dataDir })
    started.push(again)
    expect((await fetch(`${again.url}/ready`)).status).toBe(200)
  }, 60_000)
})
