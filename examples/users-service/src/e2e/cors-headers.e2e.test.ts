import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newUser, registered, STORES, startTestService, type TestService } from './harness.js'

const APP = 'https://app.example.com'
const list = (header: string | null) => (header ?? '').split(',').map((item) => item.trim().toLowerCase())

describe.each(STORES)('CORS and security headers over HTTP on %s', (store) => {
  let service: TestService
  beforeAll(async () => {
    service = await startTestService(store, { EVENTCORE_CORS_ORIGINS: APP })
  })
  afterAll(() => service?.close())

  const preflight = (origin: string, method: string, headers: string) =>
    service.call('/api/v1/users/0190a6e4-1234-7abc-8def-0123456789ab', {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
    })

  describe('CORS', () => {
    // Browsers send preflights without credentials: they must be answered before authentication.
    it('answers a preflight from an allowed origin with the methods and headers the API uses', async () => {
      const response = await preflight(APP, 'PATCH', 'authorization,content-type,if-match,idempotency-key')
      expect(response.status).toBe(204)
      expect(response.headers.get('access-control-allow-origin')).toBe(APP)
      expect(list(response.headers.get('access-control-allow-methods'))).toEqual(
        expect.arrayContaining(['get', 'post', 'patch']),
      )
      expect(list(response.headers.get('access-control-allow-headers'))).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'if-match', 'idempotency-key', 'x-correlation-id']),
      )
      expect(response.headers.get('access-control-max-age')).toBe('600')
      expect(list(response.headers.get('vary'))).toContain('origin')
    })

    it.each(['https://evil.example.net', 'https://app.example.com.evil.net', 'http://app.example.com'])(
      'gives a preflight from %s no CORS headers',
      async (origin) => {
        const response = await preflight(origin, 'POST', 'authorization,content-type')
        const cors = [...response.headers.keys()].filter((name) => name.startsWith('access-control-'))
        expect(cors).toEqual([])
      },
    )

    it('lets the allowed origin read the answer and the headers a client needs', async () => {
      const response = await service.call('/api/v1/users', {
        method: 'POST',
        token: await service.token(['admin'], 'browser-admin'),
        json: newUser('cors'),
        headers: { origin: APP },
      })
      expect(response.status).toBe(201)
      expect(response.headers.get('access-control-allow-origin')).toBe(APP)
      expect(list(response.headers.get('access-control-expose-headers'))).toEqual(
        expect.arrayContaining([
          'etag',
          'location',
          'x-correlation-id',
          'ratelimit-limit',
          'ratelimit-remaining',
          'ratelimit-reset',
          'retry-after',
          'idempotent-replayed',
        ]),
      )
    })

    // Otherwise a page cannot tell an expired token (401) from a network error, and never refreshes it.
    it('lets the allowed origin read a refusal of its token', async () => {
      const response = await service.call('/api/v1/users', {
        headers: { origin: APP, authorization: 'Bearer expired.or.bad' },
      })
      expect(response.status).toBe(401)
      expect(response.headers.get('access-control-allow-origin')).toBe(APP)
    })

    it('gives a request from another origin no CORS headers', async () => {
      const response = await service.call('/api/v1/users', {
        token: await service.token(['operator'], 'browser-operator'),
        headers: { origin: 'https://evil.example.net' },
      })
      expect(response.status).toBe(200)
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
    })
  })

  describe('security headers', () => {
    const cases: [string, number, () => Promise<Response>][] = [
      ['a read', 200, async () => service.call('/api/v1/users', { token: await service.token(['admin'], 'headers') })],
      [
        'a registration',
        201,
        async () =>
          service.call('/api/v1/users', {
            method: 'POST',
            token: await service.token(['admin'], 'headers'),
            json: newUser('headers'),
          }),
      ],
      ['the OpenAPI document', 200, () => service.call('/openapi.json')],
      ['a missing token', 401, () => service.call('/api/v1/users')],
      ['a bad token', 401, () => service.call('/api/v1/users', { headers: { authorization: 'Bearer not.a.token' } })],
      [
        'a malformed correlation id',
        400,
        () => service.call('/api/v1/users', { headers: { 'x-correlation-id': 'c'.repeat(300) } }),
      ],
      [
        'a missing permission',
        403,
        async () => service.call('/api/v1/users', { token: await service.token(['user']) }),
      ],
      [
        'a bad body',
        400,
        async () =>
          service.call('/api/v1/users', { method: 'POST', token: await service.token(['admin'], 'headers'), json: {} }),
      ],
      [
        'an unknown route',
        404,
        async () => service.call('/api/v1/nothing', { token: await service.token(['admin'], 'headers') }),
      ],
      [
        'a wrong method',
        405,
        async () => service.call('/api/v1/users', { method: 'DELETE', token: await service.token(['admin']) }),
      ],
      [
        'a stale If-Match',
        412,
        async () => {
          const user = await registered(service, { label: 'headers-stale' })
          return service.call(`/api/v1/users/${user.id}`, {
            method: 'PATCH',
            token: await service.token(['admin'], 'headers'),
            json: { first_name: 'X' },
            headers: { 'if-match': '"9"' },
          })
        },
      ],
    ]

    it.each(cases)('are on %s (%i)', async (_, status, send) => {
      const response = await send()
      expect(response.status).toBe(status)
      const csp = (response.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim())
      expect(csp).toEqual(expect.arrayContaining(["default-src 'none'", "frame-ancestors 'none'"]))
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      // HTTPS is not enforced in this service: no HSTS over plain HTTP.
      expect(response.headers.get('strict-transport-security')).toBeNull()
      expect(response.headers.get('x-powered-by')).toBeNull()
    })
  })
})
