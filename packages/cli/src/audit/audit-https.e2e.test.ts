// `audit --url https://…`: HSTS is judged on a real TLS answer (a certificate of a throwaway CA the
// CLI is told to trust through NODE_EXTRA_CA_CERTS, never by switching verification off).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeCertificates } from '@eventcore/postgres/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAudit } from './test-audit.js'

const GOOD_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
}

describe('eventcore-cli audit of an https URL', () => {
  let dir: string
  let tls: { key: string; cert: string }
  beforeAll(async () => {
    // A throwaway CA and a certificate it signed for 127.0.0.1; the CLI trusts the CA's file.
    const certificates = await makeCertificates({ hosts: ['127.0.0.1'] })
    tls = { key: certificates.serverKey, cert: certificates.serverCert }
    dir = mkdtempSync(join(tmpdir(), 'eventcore-audit-tls-'))
    writeFileSync(join(dir, 'ca.pem'), certificates.ca)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  async function serve(
    hsts: string | undefined,
    work: (url: string) => Promise<void>,
    extra: Readonly<Record<string, string>> = {},
  ): Promise<void> {
    let limited = 0
    const server: Server = createServer(tls, (request, response) => {
      for (const [name, value] of Object.entries({ ...GOOD_HEADERS, ...extra })) response.setHeader(name, value)
      if (hsts !== undefined) response.setHeader('strict-transport-security', hsts)
      limited += request.headers.authorization ? 1 : 0
      response.statusCode = request.url === '/metrics' ? 404 : limited > 5 ? 429 : 401
      response.end('{}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      await work(`https://127.0.0.1:${(server.address() as AddressInfo).port}`)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  }
  const audit = (url: string) => runAudit(['--no-config', '--url', url], { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') })

  it('reports an https answer without Strict-Transport-Security', async () => {
    await serve(undefined, async (url) => {
      const run = await audit(url)
      expect(run.ids).toEqual(['EC-ENC-021'])
      expect(run.find('EC-ENC-021')?.description).toBe(`GET ${url}/ answered 401 without Strict-Transport-Security`)
    })
  })

  it('reports an HSTS max-age under six months, and nothing with one year', async () => {
    await serve('max-age=300', async (url) => {
      expect((await audit(url)).find('EC-ENC-022')?.description).toBe(
        'Strict-Transport-Security: max-age=300 (max-age 300 s)',
      )
    })
    await serve('max-age=31536000; includeSubDomains', async (url) => {
      const run = await audit(url)
      expect(run.ids).toEqual([])
      expect(run.code).toBe(0)
    })
  })

  it('reports Access-Control-Allow-Origin: * (not a reflection, still any page)', async () => {
    await serve(
      'max-age=31536000',
      async (url) => {
        const run = await audit(url)
        expect(run.ids).toEqual(['EC-NET-021'])
        expect(run.find('EC-NET-021')?.description).toBe(
          'preflight OPTIONS and GET with Origin: https://evil.example answered Access-Control-Allow-Origin: *',
        )
      },
      { 'access-control-allow-origin': '*' },
    )
  })
})
