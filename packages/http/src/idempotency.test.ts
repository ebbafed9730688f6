import { createMemoryIdempotencyStore } from '@eventcore/core/idempotency'
import Fastify, { type FastifyInstance } from 'fastify'
import { SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { type EventcoreHttpOptions, eventcoreHttp } from './plugin.js'
import { HttpProblem } from './problem.js'

const secret = 'a-test-secret-of-at-least-32-bytes!!'
const roles = { writer: ['accounts:write'] }

function token(subject: string) {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ roles: ['writer'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(new TextEncoder().encode(secret))
}

interface Harness {
  readonly app: FastifyInstance
  /** Handler runs per route. */
  readonly calls: Record<string, number>
  /** Resolves the handler of `/slow` that is waiting. */
  release: () => void
  /** Resolves when `/slow`'s handler has started. */
  started: Promise<void>
}

const apps: FastifyInstance[] = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close()
})

async function harness(options: EventcoreHttpOptions = { idempotency: { store: createMemoryIdempotencyStore() } }) {
  const app = Fastify()
  apps.push(app)
  await app.register(eventcoreHttp, options)
  const calls: Record<string, number> = { accounts: 0, plain: 0, flaky: 0, slow: 0, refused: 0 }
  const count = (route: string) => {
    calls[route] = (calls[route] ?? 0) + 1
    return calls[route]
  }
  const h: Harness = { app, calls, release: () => {}, started: Promise.resolve() }
  const idempotent = { eventcore: { permission: 'accounts:write', idempotent: true } }
  app.post('/accounts', { config: idempotent }, async (_request, reply) => {
    const n = count('accounts')
    return reply
      .code(201)
      .header('location', `/accounts/${n}`)
      .header('etag', `"${n}"`)
      .send({ id: `account-${n}` })
  })
  app.post('/plain', { config: { eventcore: { permission: 'accounts:write' } } }, async () => ({ n: count('plain') }))
  app.post('/flaky', { config: idempotent }, async () => {
    if (count('flaky') === 1) throw new Error('the database went away')
    return { ok: true }
  })
  app.post('/refused', { config: idempotent }, async () => {
    count('refused')
    throw new HttpProblem(409, 'email-taken', 'Conflict', 'ada@example.com is already registered')
  })
  app.post('/slow', { config: idempotent }, async () => {
    count('slow')
    await new Promise<void>((resolve) => {
      h.release = resolve
    })
    return { done: true }
  })
  let entered = () => {}
  h.started = new Promise<void>((resolve) => {
    entered = resolve
  })
  app.addHook('preHandler', async (request) => {
    if (request.url === '/slow') entered()
  })
  await app.ready()
  return h
}

const authorized = async (subject = 'ada') => ({ authorization: `Bearer ${await token(subject)}` })
const withAuth = (): EventcoreHttpOptions => ({
  auth: { secret, roles },
  idempotency: { store: createMemoryIdempotencyStore() },
})

function post(app: FastifyInstance, url: string, headers: Record<string, string>, body: object = { owner: 'ada' }) {
  return app.inject({ method: 'POST', url, headers, payload: body })
}

describe('Idempotency-Key', () => {
  it('replays the first response (status, body, location, etag) without running the handler again', async () => {
    const { app, calls } = await harness()
    const first = await post(app, '/accounts', { 'idempotency-key': 'k-1' }, { owner: 'ada', limit: 5 })
    const again = await post(app, '/accounts', { 'idempotency-key': 'k-1' }, { limit: 5, owner: 'ada' })
    expect(first.statusCode).toBe(201)
    expect(again.statusCode).toBe(201)
    expect(again.body).toBe(first.body)
    expect(again.headers.location).toBe('/accounts/1')
    expect(again.headers.etag).toBe('"1"')
    expect(again.headers['content-type']).toBe(first.headers['content-type'])
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(first.headers['idempotent-replayed']).toBeUndefined()
    expect(calls.accounts).toBe(1)
  })

  it('runs requests without a key, or with another key, as usual', async () => {
    const { app, calls } = await harness()
    await post(app, '/accounts', {})
    await post(app, '/accounts', {})
    await post(app, '/accounts', { 'idempotency-key': 'a' })
    const other = await post(app, '/accounts', { 'idempotency-key': 'b' })
    expect(other.json()).toEqual({ id: 'account-4' })
    expect(calls.accounts).toBe(4)
  })

  it('refuses the same key with a different body, URL or method with 422', async () => {
    const { app, calls } = await harness()
    await post(app, '/accounts', { 'idempotency-key': 'k-1' }, { owner: 'ada' })
    const reused = await post(app, '/accounts', { 'idempotency-key': 'k-1' }, { owner: 'bob' })
    expect(reused.statusCode).toBe(422)
    expect(reused.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(reused.json()).toMatchObject({ type: 'urn:eventcore:problem:idempotency-key-reused', status: 422 })
    expect((await post(app, '/accounts?x=1', { 'idempotency-key': 'k-1' })).statusCode).toBe(422)
    expect(calls.accounts).toBe(1)
  })

  it('answers 409 with Retry-After while the first request with the key is still running', async () => {
    const h = await harness()
    const first = post(h.app, '/slow', { 'idempotency-key': 'k-1' })
    await h.started
    const meanwhile = await post(h.app, '/slow', { 'idempotency-key': 'k-1' })
    expect(meanwhile.statusCode).toBe(409)
    expect(meanwhile.headers['retry-after']).toBe('1')
    expect(meanwhile.json()).toMatchObject({ type: 'urn:eventcore:problem:idempotency-in-progress' })
    h.release()
    expect((await first).json()).toEqual({ done: true })
    const after = await post(h.app, '/slow', { 'idempotency-key': 'k-1' })
    expect(after.headers['idempotent-replayed']).toBe('true')
    expect(h.calls.slow).toBe(1)
  })

  it.each([
    ['empty', ''],
    ['with a space', 'key one'],
    ['longer than 255 characters', 'k'.repeat(256)],
    ['not ASCII', 'clé'],
  ])('refuses a key that is %s with 400', async (_case, key) => {
    const { app, calls } = await harness()
    const response = await post(app, '/accounts', { 'idempotency-key': key })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ type: 'urn:eventcore:problem:invalid-idempotency-key' })
    expect(calls.accounts).toBe(0)
  })

  it('accepts a key of 255 visible characters', async () => {
    const { app } = await harness()
    expect((await post(app, '/accounts', { 'idempotency-key': '~'.repeat(255) })).statusCode).toBe(201)
  })

  it('releases the key after a 5xx, so the retry runs the handler again', async () => {
    const { app, calls } = await harness()
    const failed = await post(app, '/flaky', { 'idempotency-key': 'k-1' })
    expect(failed.statusCode).toBe(500)
    const retried = await post(app, '/flaky', { 'idempotency-key': 'k-1' })
    expect(retried.statusCode).toBe(200)
    expect(retried.headers['idempotent-replayed']).toBeUndefined()
    expect(calls.flaky).toBe(2)
  })

  it('stores a problem the handler threw with a 4xx, and replays it', async () => {
    const { app, calls } = await harness()
    const first = await post(app, '/refused', { 'idempotency-key': 'k-1' })
    const again = await post(app, '/refused', { 'idempotency-key': 'k-1' })
    expect(first.statusCode).toBe(409)
    expect(again.statusCode).toBe(409)
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(again.body).toBe(first.body)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(calls.refused).toBe(1)
  })

  it('keeps keys apart per caller', async () => {
    const { app, calls } = await harness(withAuth())
    const ada = await post(app, '/accounts', { ...(await authorized('ada')), 'idempotency-key': 'k-1' })
    const bob = await post(app, '/accounts', { ...(await authorized('bob')), 'idempotency-key': 'k-1' }, { x: 1 })
    expect(bob.statusCode).toBe(201)
    expect(bob.headers['idempotent-replayed']).toBeUndefined()
    const adaAgain = await post(app, '/accounts', { ...(await authorized('ada')), 'idempotency-key': 'k-1' })
    expect(adaAgain.body).toBe(ada.body)
    expect(adaAgain.headers['idempotent-replayed']).toBe('true')
    expect(calls.accounts).toBe(2)
  })

  it('ignores the header on a route that does not opt in', async () => {
    const { app, calls } = await harness()
    await post(app, '/plain', { 'idempotency-key': 'k-1' })
    const second = await post(app, '/plain', { 'idempotency-key': 'k-1' })
    expect(second.json()).toEqual({ n: 2 })
    expect(calls.plain).toBe(2)
  })

  it('ignores the header when no store is configured', async () => {
    const { app, calls } = await harness({})
    await post(app, '/accounts', { 'idempotency-key': 'k-1' })
    expect((await post(app, '/accounts', { 'idempotency-key': 'k-1' })).headers.location).toBe('/accounts/2')
    expect(calls.accounts).toBe(2)
  })

  it('forgets a key once its time to live has passed', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z')
    const store = createMemoryIdempotencyStore()
    const { app, calls } = await harness({ idempotency: { store, ttlSeconds: 60, clock: () => new Date(now) } })
    await post(app, '/accounts', { 'idempotency-key': 'k-1' })
    now += 59_999
    expect((await post(app, '/accounts', { 'idempotency-key': 'k-1' })).headers['idempotent-replayed']).toBe('true')
    now += 1
    expect((await post(app, '/accounts', { 'idempotency-key': 'k-1' })).headers['idempotent-replayed']).toBeUndefined()
    expect(calls.accounts).toBe(2)
  })

  it.each([
    [{ ttlSeconds: 0 }, /idempotency\.ttlSeconds must be a positive integer, got 0/],
    [{ staleAfterMs: 1.5 }, /idempotency\.staleAfterMs must be a positive integer of milliseconds, got 1\.5/],
  ])('refuses the options %o with a clear error', async (bad, message) => {
    await expect(harness({ idempotency: { store: createMemoryIdempotencyStore(), ...bad } })).rejects.toThrow(message)
  })
})
