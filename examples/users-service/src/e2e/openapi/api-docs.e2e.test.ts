import { afterEach, describe, expect, it } from 'vitest'
import { startTestService, type TestService } from '../harness.js'

// Production as a load balancer would reach it: HTTPS terminated by one trusted proxy.
const PRODUCTION = {
  NODE_ENV: 'production',
  EVENTCORE_JWT_AUDIENCE: 'users-api',
  EVENTCORE_TRUST_PROXY: '1',
  EVENTCORE_CORS_ORIGINS: 'https://app.example.com',
}
const viaProxy = { 'x-forwarded-proto': 'https' }

/** The scripts and style sheets a page loads, as URLs relative to the service. */
const assetsOf = (html: string, page: string) =>
  [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"/g)].map(
    (match) => new URL(match[1] ?? '', `http://service${page}`).pathname,
  )

describe('the API explorer at /docs', () => {
  let service: TestService | undefined
  afterEach(async () => {
    await service?.close()
    service = undefined
  })

  it('serves Swagger UI outside production without a token, every asset from the service itself', async () => {
    service = await startTestService('pglite')
    const page = await service.call('/docs')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const html = await page.text()
    expect(html).toContain('<div id="swagger-ui"></div>')
    const assets = assetsOf(html, '/docs')
    // No CDN: nothing the page loads is absolute, all of it under /docs.
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//)
    expect(assets).toEqual(
      expect.arrayContaining([
        '/docs/static/swagger-ui.css',
        '/docs/static/swagger-ui-bundle.js',
        '/docs/static/swagger-ui-standalone-preset.js',
        '/docs/static/swagger-initializer.js',
      ]),
    )
    for (const asset of assets) {
      const response = await service.call(asset)
      expect(response.status, asset).toBe(200)
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(0)
    }
    // What the initializer points Swagger UI at: the same document as /openapi.json.
    const initializer = await (await service.call('/docs/static/swagger-initializer.js')).text()
    expect(initializer).toContain("resolveUrl('./json')")
    const spec = await service.call('/docs/json')
    expect(spec.status).toBe(200)
    expect(await spec.json()).toEqual(await (await service.call('/openapi.json')).json())
  })

  it("relaxes the API's CSP for the explorer only: its own scripts and styles, nothing from elsewhere", async () => {
    service = await startTestService('pglite')
    const csp = async (path: string) => {
      const response = await service?.call(path)
      await response?.arrayBuffer() // an unread body would keep its connection, and close() waiting
      return response?.headers.get('content-security-policy')
    }
    const page = await csp('/docs')
    expect(page).toContain("script-src 'self'")
    expect(page).toContain("style-src 'self' 'unsafe-inline'")
    expect(page).toContain("connect-src 'self'")
    expect(page).toContain("frame-ancestors 'none'")
    expect(page).not.toContain('unsafe-eval')
    expect(await csp('/docs/static/swagger-ui-bundle.js')).toBe(page)
    // The API keeps the plugin's own policy (under which the page could not fetch its document).
    const api = await csp('/openapi.json')
    expect(api).toMatch(/^default-src 'none'/)
    expect(api).not.toContain('connect-src')
    expect(api).not.toBe(page)
  })

  it('is not served when EVENTCORE_API_DOCS=false', async () => {
    service = await startTestService('pglite', { EVENTCORE_API_DOCS: 'false' })
    const token = await service.token(['admin'])
    const status = async (path: string, init: { token?: string; headers?: Record<string, string> } = {}) => {
      const response = await service?.call(path, init)
      await response?.arrayBuffer()
      return response?.status
    }
    expect(await status('/docs', { token })).toBe(404)
    expect(await status('/docs/static/swagger-ui-bundle.js', { token })).toBe(404)
    expect(await status('/openapi.json')).toBe(200)
  })

  it('is off in production unless EVENTCORE_API_DOCS=true', async () => {
    service = await startTestService('pglite', PRODUCTION)
    const token = await service.token(['admin'])
    const refused = await service.call('/docs', { token, headers: viaProxy })
    expect(refused.status).toBe(404)
    expect(refused.headers.get('content-type')).toBe('application/problem+json; charset=utf-8')
    await refused.arrayBuffer()
    await service.close()
    service = await startTestService('pglite', { ...PRODUCTION, EVENTCORE_API_DOCS: 'true' })
    const page = await service.call('/docs', { headers: viaProxy })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('swagger-ui-bundle.js')
  })
})
