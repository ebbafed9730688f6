import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectProblem, STORES, startTestService, type TestService } from './harness.js'

const MAX = 5

describe.each(STORES)(`rate limits (EVENTCORE_RATE_LIMIT_MAX=${MAX}) over HTTP on %s`, (store) => {
  let service: TestService
  beforeAll(async () => {
    service = await startTestService(store, { EVENTCORE_RATE_LIMIT_MAX: String(MAX) })
  })
  afterAll(() => service?.close())

  /** Uses up the limit of `token`'s subject with `MAX` reads, checking the countdown. */
  async function exhaust(token: string) {
    for (let n = 1; n <= MAX; n += 1) {
      const response = await service.call('/api/v1/users?limit=1', { token })
      expect(response.status).toBe(200)
      expect(response.headers.get('ratelimit-limit')).toBe(String(MAX))
      expect(response.headers.get('ratelimit-remaining')).toBe(String(MAX - n))
      expect(Number(response.headers.get('ratelimit-reset'))).toBeGreaterThan(0)
      await response.arrayBuffer()
    }
  }

  it(`answers request ${MAX + 1} of a caller with 429 problem+json, Retry-After and RateLimit-*`, async () => {
    const token = await service.token(['admin'], 'greedy')
    await exhaust(token)
    const response = await service.call('/api/v1/users?limit=1', { token })
    const retryAfter = Number(response.headers.get('retry-after'))
    expect(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60).toBe(true)
    expect(response.headers.get('ratelimit-limit')).toBe(String(MAX))
    expect(response.headers.get('ratelimit-remaining')).toBe('0')
    expect(Number(response.headers.get('ratelimit-reset'))).toBeGreaterThan(0)
    const problem = await expectProblem(response, 429, 'rate-limited')
    expect(problem.detail).toContain(String(MAX))
    // Writes are limited as well as reads.
    const write = await service.call('/api/v1/users', { method: 'POST', token, json: {} })
    await expectProblem(write, 429, 'rate-limited')
  })

  it('limits each caller on its own', async () => {
    await exhaust(await service.token(['operator'], 'first-caller'))
    const other = await service.call('/api/v1/users?limit=1', { token: await service.token(['operator'], 'other') })
    expect(other.status).toBe(200)
    expect(other.headers.get('ratelimit-remaining')).toBe(String(MAX - 1))
  })

  it('never limits /health and /ready, for a caller over its limit or anonymous ones', async () => {
    const token = await service.token(['operator'], 'prober')
    await exhaust(token)
    for (let n = 0; n < 3 * MAX; n += 1) {
      for (const path of ['/health', '/ready']) {
        const probe = await service.call(path, n % 2 ? {} : { token })
        expect(probe.status, path).toBe(200)
        expect(probe.headers.get('ratelimit-limit')).toBeNull()
        await probe.arrayBuffer()
      }
    }
    await expectProblem(await service.call('/api/v1/users', { token }), 429, 'rate-limited')
  })

  it('limits anonymous callers by address on public routes, but not their probes', async () => {
    for (let n = 0; n < MAX; n += 1) {
      const response = await service.call('/openapi.json')
      expect(response.status).toBe(200)
      await response.arrayBuffer()
    }
    await expectProblem(await service.call('/openapi.json'), 429, 'rate-limited')
    expect((await service.call('/health')).status).toBe(200)
    expect((await service.call('/ready')).status).toBe(200)
  })
})
