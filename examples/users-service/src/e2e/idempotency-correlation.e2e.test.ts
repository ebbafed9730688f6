import { randomUUID } from 'node:crypto'
import type { RecordedEvent } from '@eventcore/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UserBody } from '../http/schemas.js'
import { isUserEvent } from '../users/index.js'
import {
  bodyOf,
  eventsWrittenBy,
  expectProblem,
  newUser,
  registered,
  STORES,
  startTestService,
  type TestService,
} from './harness.js'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const registrationsOf = (events: readonly RecordedEvent[], email: string) =>
  events.filter((e) => isUserEvent(e) && e.type === 'UserRegistered' && e.data.email === email)

describe.each(STORES)('Idempotency-Key and correlation ids over HTTP on %s', (store) => {
  let service: TestService
  beforeAll(async () => {
    service = await startTestService(store)
  })
  afterAll(() => service?.close())

  const post = (token: string, key: string, json: unknown) =>
    service.call('/api/v1/users', { method: 'POST', token, json, headers: { 'idempotency-key': key } })

  describe('Idempotency-Key', () => {
    it('answers a retried registration with the first 201, and registers the user once', async () => {
      const token = await service.token(['admin'], 'retrying-client')
      const key = randomUUID()
      const body = newUser('idempotent')
      let first: Response | undefined
      let second: Response | undefined
      const written = await eventsWrittenBy(service, async () => {
        first = await post(token, key, body)
        second = await post(token, key, { last_name: body.last_name, first_name: body.first_name, email: body.email })
      })
      if (!first || !second) throw new Error('no responses')

      expect([first.status, second.status]).toEqual([201, 201])
      expect(first.headers.get('idempotent-replayed')).toBeNull()
      expect(second.headers.get('idempotent-replayed')).toBe('true')
      for (const header of ['location', 'etag', 'content-type'])
        expect(second.headers.get(header)).toBe(first.headers.get(header))
      const [original, replayed] = [await first.text(), await second.text()]
      expect(replayed).toBe(original)
      const user = await bodyOf(new Response(original), UserBody)

      expect(registrationsOf(written, body.email).map((e) => e.streamId)).toEqual([`user-${user.id}`])
      expect(await service.store.streamVersion(`user-${user.id}`)).toBe(1)
    })

    it('refuses the same key with a different body with 422, writing nothing', async () => {
      const token = await service.token(['admin'], 'careless-client')
      const key = randomUUID()
      const first = await post(token, key, newUser('first-body'))
      expect(first.status).toBe(201)
      const other = newUser('other-body')
      const written = await eventsWrittenBy(service, async () => {
        const problem = await expectProblem(await post(token, key, other), 422, 'idempotency-key-reused')
        expect(problem.detail).toMatch(/different request/)
      })
      expect(written).toEqual([])
    })

    it('keeps the keys of different callers apart', async () => {
      const key = `shared-key-${randomUUID()}`
      const alice = await service.token(['admin'], 'alice-client')
      const bob = await service.token(['admin'], 'bob-client')
      const forAlice = newUser('alice')
      const forBob = newUser('bob')

      const a = await post(alice, key, forAlice)
      const b = await post(bob, key, forBob)
      expect([a.status, b.status]).toEqual([201, 201])
      expect(b.headers.get('idempotent-replayed')).toBeNull()
      const [userA, userB] = [await bodyOf(a, UserBody), await bodyOf(b, UserBody)]
      expect(userA.email).toBe(forAlice.email)
      expect(userB.email).toBe(forBob.email)
      expect(userB.id).not.toBe(userA.id)
      // Bob's key is his own: his retry replays his response, not Alice's.
      const retry = await post(bob, key, forBob)
      expect(await bodyOf(retry, UserBody)).toEqual(userB)
    })

    it('replays a refusal the handler gave (409) rather than running again', async () => {
      const token = await service.token(['admin'], 'conflicting-client')
      const existing = await registered(service, { label: 'existing' })
      const key = randomUUID()
      const body = newUser('dup', { email: existing.email })
      const first = await post(token, key, body)
      const refusal = await expectProblem(first.clone(), 409, 'email-taken')
      const second = await post(token, key, body)
      expect(second.status).toBe(409)
      expect(second.headers.get('idempotent-replayed')).toBe('true')
      expect(second.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      // Byte for byte the first answer: its correlationId names the request that did the work.
      expect(await second.text()).toBe(JSON.stringify(refusal))
    })

    it('refuses a malformed key with 400', async () => {
      const token = await service.token(['admin'], 'malformed-client')
      const response = await post(token, 'k'.repeat(256), newUser('bad-key'))
      await expectProblem(response, 400, 'invalid-idempotency-key')
    })
  })

  describe('correlation ids', () => {
    it("echoes the caller's X-Correlation-Id and writes it, with the caller as actor, into every event", async () => {
      const sub = 'correlating-admin'
      const correlationId = `e2e-${randomUUID()}`
      const response = await service.call('/api/v1/users', {
        method: 'POST',
        token: await service.token(['admin'], sub),
        json: newUser('correlated'),
        headers: { 'x-correlation-id': correlationId },
      })
      expect(response.status).toBe(201)
      expect(response.headers.get('x-correlation-id')).toBe(correlationId)
      const user = await bodyOf(response, UserBody)

      const stream = await service.store.readStream(`user-${user.id}`)
      const claim = await service.store.readStream(`email-${user.email.toLowerCase()}`)
      const written = [...stream.events, ...claim.events]
      expect(written.map((e) => e.type)).toEqual(['UserRegistered', 'EmailClaimed'])
      for (const event of written) expect(event.metadata).toMatchObject({ correlationId, actor: sub })
    })

    it('records the user who changed itself as the actor of the change', async () => {
      const user = await registered(service, { label: 'self-actor' })
      const correlationId = `e2e-${randomUUID()}`
      const response = await service.call(`/api/v1/users/${user.id}`, {
        method: 'PATCH',
        token: await service.token(['user'], user.id),
        json: { first_name: 'Augusta' },
        headers: { 'x-correlation-id': correlationId },
      })
      expect(response.status).toBe(200)
      const stream = await service.store.readStream(`user-${user.id}`)
      expect(stream.events.at(-1)).toMatchObject({
        type: 'UserRenamed',
        metadata: { correlationId, actor: user.id },
      })
    })

    it('makes a correlation id when none is sent, echoes it and writes it into the events', async () => {
      const response = await service.call('/api/v1/users', {
        method: 'POST',
        token: await service.token(['admin'], 'uncorrelated-admin'),
        json: newUser('uncorrelated'),
      })
      expect(response.status).toBe(201)
      const generated = response.headers.get('x-correlation-id') ?? ''
      expect(generated).toMatch(UUID_V7)
      const user = await bodyOf(response, UserBody)
      const stream = await service.store.readStream(`user-${user.id}`)
      expect(stream.events[0]?.metadata).toMatchObject({ correlationId: generated, actor: 'uncorrelated-admin' })
    })

    it('puts the correlation id of a refused request into its problem', async () => {
      const correlationId = `e2e-${randomUUID()}`
      const response = await service.call('/api/v1/users', { headers: { 'x-correlation-id': correlationId } })
      const problem = await expectProblem(response, 401, 'unauthorized')
      expect(problem.correlationId).toBe(correlationId)
    })
  })
})
