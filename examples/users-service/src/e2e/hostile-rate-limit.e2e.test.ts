import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectProblem, startTestService, type TestService } from './harness.js'

const MAX = 20

/** Sends `count` requests with a guessed token, each from the address `from(i)` claims; returns the answers. */
async function guesses(service: TestService, count: number, from: (i: number) => string) {
  const answers: { status: number; remaining: string | null }[] = []
  for (let i = 0; i < count; i++) {
    const response = await service.call('/api/v1/users', {
      headers: { authorization: `Bearer guessed-${i}.token.value`, 'x-forwarded-for': from(i) },
    })
    answers.push({ status: response.status, remaining: response.headers.get('ratelimit-remaining') })
    await response.arrayBuffer()
  }
  return answers
}

describe(`callers without a valid token are rate limited by address (EVENTCORE_RATE_LIMIT_MAX=${MAX})`, () => {
  let direct: TestService
  let proxied: TestService
  beforeAll(async () => {
    ;[direct, proxied] = await Promise.all([
      startTestService('pglite', { EVENTCORE_RATE_LIMIT_MAX: String(MAX) }),
      startTestService('pglite', { EVENTCORE_RATE_LIMIT_MAX: String(MAX), EVENTCORE_TRUST_PROXY: '127.0.0.1' }),
    ])
  }, 60_000)
  afterAll(() => Promise.all([direct?.close(), proxied?.close()]))

  it('answers 401 with RateLimit headers, then 429, ignoring X-Forwarded-For from an untrusted peer', async () => {
    const answers = await guesses(direct, MAX + 5, (i) => `203.0.113.${i}`)
    expect(answers.slice(0, MAX)).toEqual(
      Array.from({ length: MAX }, (_, i) => ({ status: 401, remaining: String(MAX - 1 - i) })),
    )
    expect(answers.slice(MAX).map((a) => a.status)).toEqual([429, 429, 429, 429, 429])
    const limited = await direct.call('/api/v1/users')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    await expectProblem(limited, 429, 'rate-limited')
    // A signed-in user keeps its own budget while its address is flooded.
    const user = await direct.call('/api/v1/users?limit=1', { token: await direct.token(['operator'], 'ada') })
    expect(user.status).toBe(200)
    expect(user.headers.get('ratelimit-remaining')).toBe(String(MAX - 1))
  })

  it('counts each client behind a trusted proxy by the address the proxy forwards', async () => {
    const spread = await guesses(proxied, MAX + 5, (i) => `198.51.100.${i}`)
    expect(spread.every((a) => a.status === 401 && a.remaining === String(MAX - 1))).toBe(true)
    const one = await guesses(proxied, MAX + 1, () => '192.0.2.7')
    expect(one.map((a) => a.status)).toEqual([...Array(MAX).fill(401), 429])
  })
})
