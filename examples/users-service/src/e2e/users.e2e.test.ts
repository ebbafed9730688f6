import { Type } from 'typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MeBody, UserBody, UserPage } from '../http/schemas.js'
import {
  bodyOf,
  eventually,
  expectProblem,
  newUser,
  registered,
  STORES,
  startTestService,
  type TestService,
  uniqueEmail,
} from './harness.js'

/** As much of an OpenAPI 3.1 document as the test reads: the version and operations by path. */
const OpenApiDocument = Type.Object({
  openapi: Type.Literal('3.1.0'),
  paths: Type.Record(Type.String(), Type.Record(Type.String(), Type.Object({ responses: Type.Object({}) }))),
})

describe.each(STORES)('the users API over HTTP on %s', (store) => {
  let service: TestService
  let admin: string
  beforeAll(async () => {
    service = await startTestService(store)
    admin = await service.token(['admin'], 'users-admin')
  })
  afterAll(() => service?.close())

  const get = (id: string, headers: Record<string, string> = {}) =>
    service.call(`/api/v1/users/${id}`, { token: admin, headers })
  const patch = (id: string, json: unknown, headers: Record<string, string> = {}) =>
    service.call(`/api/v1/users/${id}`, { method: 'PATCH', token: admin, json, headers })
  const register = (json: unknown) => service.call('/api/v1/users', { method: 'POST', token: admin, json })

  it('registers a user: 201 with Location, ETag "1" and the user', async () => {
    const email = uniqueEmail('Ada.Register')
    const body = newUser('register', { email, first_name: ' Ada ' })
    const response = await register(body)
    expect(response.status).toBe(201)
    const user = await bodyOf(response, UserBody)
    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      email,
      first_name: 'Ada',
      last_name: 'Lovelace',
      status: 'active',
      version: 1,
      created_at: user.updated_at,
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    })
    expect(response.headers.get('location')).toBe(`/api/v1/users/${user.id}`)
    expect(response.headers.get('etag')).toBe('"1"')
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  })

  it('reads a user with its ETag, and answers 304 to a matching If-None-Match', async () => {
    const user = await registered(service, { label: 'etag' })
    const read = await get(user.id)
    expect(read.status).toBe(200)
    expect(read.headers.get('etag')).toBe('"1"')
    expect(await bodyOf(read, UserBody)).toEqual(user)

    for (const tag of ['"1"', 'W/"1"', '"7", "1"', '*']) {
      const cached = await get(user.id, { 'if-none-match': tag })
      expect(cached.status).toBe(304)
      expect(cached.headers.get('etag')).toBe('"1"')
      expect(await cached.text()).toBe('')
    }
    const stale = await get(user.id, { 'if-none-match': '"0"' })
    expect(stale.status).toBe(200)
  })

  it('updates with the current If-Match (200, new ETag) and refuses a stale one with 412', async () => {
    const user = await registered(service, { label: 'if-match' })
    const renamed = await patch(user.id, { first_name: 'Augusta' }, { 'if-match': '"1"' })
    expect(renamed.status).toBe(200)
    expect(renamed.headers.get('etag')).toBe('"2"')
    expect(await bodyOf(renamed, UserBody)).toMatchObject({ first_name: 'Augusta', last_name: 'Lovelace', version: 2 })

    const stale = await patch(user.id, { last_name: 'King' }, { 'if-match': '"1"' })
    const problem = await expectProblem(stale, 412, 'version-mismatch')
    expect(problem).toMatchObject({ rule: 'version-mismatch', expected: 1, actual: 2 })
    expect(await bodyOf(await get(user.id), UserBody)).toMatchObject({ last_name: 'Lovelace', version: 2 })

    const anyVersion = await patch(user.id, { last_name: 'King' }, { 'if-match': '*' })
    expect(anyVersion.headers.get('etag')).toBe('"3"')
  })

  it('records a change of letter case only, and writes nothing for a PATCH with the same values', async () => {
    const user = await registered(service, { label: 'same' })
    const response = await patch(user.id, { first_name: user.first_name, email: user.email.toUpperCase() })
    expect(response.status).toBe(200)
    // Only the letter case of the address changed: the claim stays, the user records the new spelling.
    expect(await bodyOf(response, UserBody)).toMatchObject({ email: user.email.toUpperCase(), version: 2 })
    const again = await patch(user.id, { first_name: user.first_name })
    expect(again.headers.get('etag')).toBe('"2"')
  })

  it('frees the old address on an e-mail change and holds the new one', async () => {
    const user = await registered(service, { label: 'mover' })
    const next = uniqueEmail('moved')
    const moved = await patch(user.id, { email: next }, { 'if-match': '"1"' })
    expect(moved.status).toBe(200)
    expect(await bodyOf(moved, UserBody)).toMatchObject({ email: next, version: 2 })

    const reuse = await register(newUser('reuse', { email: user.email.toUpperCase() }))
    expect(reuse.status).toBe(201)
    const taken = await register(newUser('taken', { email: next.toUpperCase() }))
    const problem = await expectProblem(taken, 409, 'email-taken')
    expect(problem.rule).toBe('email-taken')
  })

  it('refuses an address already registered, in any letter case, with 409 email-taken', async () => {
    const user = await registered(service, { label: 'dup' })
    const response = await register(newUser('dup', { email: user.email.toUpperCase() }))
    await expectProblem(response, 409, 'email-taken')

    const other = await registered(service, { label: 'dup-other' })
    await expectProblem(await patch(other.id, { email: user.email }), 409, 'email-taken')
  })

  it('deactivates a user, and then refuses changes with 409', async () => {
    const user = await registered(service, { label: 'closing' })
    const deactivate = () =>
      service.call(`/api/v1/users/${user.id}/deactivate`, {
        method: 'POST',
        token: admin,
        headers: { 'if-match': '"1"' },
      })
    const closed = await deactivate()
    expect(closed.status).toBe(200)
    expect(closed.headers.get('etag')).toBe('"2"')
    expect(await bodyOf(closed, UserBody)).toMatchObject({ id: user.id, status: 'deactivated', version: 2 })

    const changed = await patch(user.id, { first_name: 'Ghost' })
    expect((await expectProblem(changed, 409, 'user-deactivated')).rule).toBe('user-deactivated')
    await expectProblem(await deactivate(), 412, 'version-mismatch')
    const again = await service.call(`/api/v1/users/${user.id}/deactivate`, { method: 'POST', token: admin })
    expect(await bodyOf(again, UserBody)).toMatchObject({ status: 'deactivated', version: 2 })
    // A closed account's address is not reusable.
    await expectProblem(await register(newUser('after-close', { email: user.email })), 409, 'email-taken')
  })

  it('answers GET /api/v1/me for a user with its own record', async () => {
    const user = await registered(service, { label: 'me' })
    const response = await service.call('/api/v1/me', { token: await service.token(['user'], user.id) })
    expect(response.status).toBe(200)
    expect(await bodyOf(response, MeBody)).toEqual({
      subject: user.id,
      roles: ['user'],
      permissions: ['users:read:self', 'users:update:self'],
      user,
    })
  })

  it('pages through every user with limit and next, in creation order', async () => {
    const lister = await service.token(['operator'], 'users-lister')
    const mine = []
    for (let n = 0; n < 5; n += 1) mine.push(await registered(service, { label: `page-${n}` }))
    const ids = mine.map((u) => u.id)
    // The list is a projection: wait (bounded) until it has caught up with the last registration.
    const everyone = await eventually(async () => {
      const page = await bodyOf(await service.call('/api/v1/users?limit=200', { token: lister }), UserPage)
      return ids.every((id) => page.items.some((u) => u.id === id)) ? page.items : undefined
    })

    const pages = []
    let after: string | null = null
    do {
      const query: string = after === null ? '' : `&after=${encodeURIComponent(after)}`
      const response = await service.call(`/api/v1/users?limit=2${query}`, { token: lister })
      expect(response.status).toBe(200)
      const page = await bodyOf(response, UserPage)
      expect(page.items.length).toBeLessThanOrEqual(2)
      pages.push(page.items)
      after = page.next
    } while (after !== null && pages.length <= everyone.length)

    expect(pages.flat()).toEqual(everyone)
    expect(pages.length).toBe(Math.ceil(everyone.length / 2))
    const listedIds = everyone.map((u) => u.id)
    expect(listedIds).toEqual([...listedIds].sort())
    expect(everyone.filter((u) => ids.includes(u.id))).toEqual(mine)
  })

  it('lists by status once the projection has the deactivation', async () => {
    const lister = await service.token(['operator'], 'status-lister')
    const user = await registered(service, { label: 'listed-closed' })
    await service.call(`/api/v1/users/${user.id}/deactivate`, { method: 'POST', token: admin })
    const closed = await eventually(async () => {
      const page = await bodyOf(
        await service.call('/api/v1/users?status=deactivated&limit=200', { token: lister }),
        UserPage,
      )
      return page.items.find((u) => u.id === user.id)
    })
    expect(closed).toMatchObject({ status: 'deactivated', version: 2 })
    const active = await bodyOf(
      await service.call('/api/v1/users?status=active&limit=200', { token: lister }),
      UserPage,
    )
    expect(active.items.map((u) => u.id)).not.toContain(user.id)
  })

  it('publishes an OpenAPI 3.1 document of the users API without the 405 answers', async () => {
    const response = await service.call('/openapi.json')
    expect(response.status).toBe(200)
    const document = await bodyOf(response, OpenApiDocument)
    expect(document).toMatchObject({
      info: { title: expect.any(String), version: expect.any(String) },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    })
    const paths = Object.fromEntries(
      Object.entries(document.paths).map(([path, operations]) => [path, Object.keys(operations).sort()]),
    )
    expect(paths).toEqual({
      '/api/v1/users': ['get', 'post'],
      '/api/v1/users/{id}': ['get', 'patch'],
      '/api/v1/users/{id}/deactivate': ['post'],
      '/api/v1/me': ['get'],
    })
    expect(JSON.stringify(document)).not.toMatch(/"405"|method-not-allowed/)
  })
})
