import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UserBody } from '../http/schemas.js'
import { emailStream } from '../users/index.js'
import {
  bodyOf,
  expectProblem,
  registered,
  STORES,
  startTestService,
  type TestService,
  uniqueEmail,
} from './harness.js'

const REGISTRATIONS = 20
const PATCHES = 10

/** `email` in the letter case spelled by the bits of `n`. */
const variant = (email: string, n: number) =>
  [...email].map((c, i) => ((n >> (i % 5)) & 1 ? c.toUpperCase() : c)).join('')

describe.each(STORES)('concurrent requests over HTTP on %s', (store) => {
  let service: TestService
  beforeAll(async () => {
    service = await startTestService(store)
  })
  afterAll(() => service?.close())

  it(`registers exactly one of ${REGISTRATIONS} concurrent registrations of one address`, async () => {
    const email = uniqueEmail('race')
    const spellings = Array.from({ length: REGISTRATIONS }, (_, n) => variant(email, n))
    expect(new Set(spellings).size).toBeGreaterThan(REGISTRATIONS / 2)
    const tokens = await Promise.all(spellings.map((_, n) => service.token(['admin'], `racer-${n}`)))

    const responses = await Promise.all(
      spellings.map((spelling, n) =>
        service.call('/api/v1/users', {
          method: 'POST',
          token: tokens[n],
          json: { email: spelling, first_name: 'Racer', last_name: String(n) },
        }),
      ),
    )

    const statuses = responses.map((r) => r.status).sort()
    expect(statuses).toEqual([201, ...Array(REGISTRATIONS - 1).fill(409)])
    const winner = responses.find((r) => r.status === 201)
    if (!winner) throw new Error('no registration won')
    const user = await bodyOf(winner, UserBody)
    for (const loser of responses.filter((r) => r !== winner)) await expectProblem(loser, 409, 'email-taken')

    const claim = await service.store.readStream(emailStream(email))
    expect(claim.events.map((e) => [e.type, e.data])).toEqual([['EmailClaimed', { userId: user.id }]])
  })

  it(`lets exactly one of ${PATCHES} concurrent PATCHes with the same If-Match through`, async () => {
    const user = await registered(service, { label: 'contended' })
    const token = await service.token(['admin'], 'patcher')

    const responses = await Promise.all(
      Array.from({ length: PATCHES }, (_, n) =>
        service.call(`/api/v1/users/${user.id}`, {
          method: 'PATCH',
          token,
          json: { first_name: `Edit ${n}` },
          headers: { 'if-match': '"1"' },
        }),
      ),
    )

    expect(responses.map((r) => r.status).sort()).toEqual([200, ...Array(PATCHES - 1).fill(412)])
    const winner = responses.find((r) => r.status === 200)
    if (!winner) throw new Error('no PATCH won')
    expect(winner.headers.get('etag')).toBe('"2"')
    const updated = await bodyOf(winner, UserBody)
    for (const loser of responses.filter((r) => r !== winner)) {
      const problem = await expectProblem(loser, 412, 'version-mismatch')
      expect(problem).toMatchObject({ expected: 1, actual: 2 })
    }
    const stream = await service.store.readStream(`user-${user.id}`)
    expect(stream.events.map((e) => e.type)).toEqual(['UserRegistered', 'UserRenamed'])
    expect(stream.events[1]?.data).toEqual({ firstName: updated.first_name, lastName: user.last_name })
  })
})
