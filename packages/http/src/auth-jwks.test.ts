import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventcoreHttp } from './plugin.js'

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>
const roles = { user: ['users:read'] }
const now = () => Math.floor(Date.now() / 1000)

const sign = (key: KeyPair['privateKey'], alg: 'ES256' | 'RS256', kid: string) =>
  new SignJWT({ roles: ['user'] })
    .setProtectedHeader({ alg, kid })
    .setSubject('user-1')
    .setIssuedAt()
    .setExpirationTime(now() + 300)
    .sign(key)

async function build(auth: Parameters<typeof eventcoreHttp>[1]['auth']): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(eventcoreHttp, { auth })
  app.get('/users', { config: { eventcore: { permission: 'users:read' } } }, async (request) => ({
    who: request.principal?.id,
  }))
  await app.ready()
  return app
}

const get = (app: FastifyInstance, token: string) =>
  app.inject({ url: '/users', headers: { authorization: `Bearer ${token}` } })

describe('asymmetric keys', () => {
  let es: KeyPair
  let rs: KeyPair
  let stranger: KeyPair
  let jwksServer: Server
  let jwksApp: FastifyInstance
  let pemApp: FastifyInstance

  beforeAll(async () => {
    ;[es, rs, stranger] = await Promise.all([
      generateKeyPair('ES256'),
      generateKeyPair('RS256'),
      generateKeyPair('ES256'),
    ])
    const keys: JWK[] = [
      { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
    ]
    // A real identity provider's shape: the keys published as JSON at a URL.
    jwksServer = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ keys }))
    })
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
    const { port } = jwksServer.address() as AddressInfo
    jwksApp = await build({ jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`, roles })
    pemApp = await build({ publicKeyPem: await exportSPKI(es.publicKey), publicKeyAlgorithm: 'ES256', roles })
  })
  afterAll(async () => {
    await jwksApp?.close()
    await pemApp?.close()
    await new Promise((resolve) => jwksServer?.close(resolve))
  })

  it('accepts ES256 and RS256 tokens signed by keys the JWKS URL publishes', async () => {
    expect((await get(jwksApp, await sign(es.privateKey, 'ES256', 'es-1'))).json()).toEqual({ who: 'user-1' })
    expect((await get(jwksApp, await sign(rs.privateKey, 'RS256', 'rs-1'))).statusCode).toBe(200)
  })

  it('refuses a token signed by a key the JWKS does not publish, even under a published kid', async () => {
    const forged = await get(jwksApp, await sign(stranger.privateKey, 'ES256', 'es-1'))
    expect(forged.statusCode).toBe(401)
    expect(forged.json()).toMatchObject({ type: 'urn:eventcore:problem:unauthorized' })
  })

  it('refuses a token under a kid the JWKS does not publish, and an ES256 key claimed as RS256', async () => {
    const unknownKid = await get(jwksApp, await sign(es.privateKey, 'ES256', 'es-2'))
    expect(unknownKid.statusCode).toBe(401)
    expect(unknownKid.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect((await get(jwksApp, await sign(rs.privateKey, 'RS256', 'es-1'))).statusCode).toBe(401)
  })

  it('verifies ES256 with a PEM public key, and refuses another key', async () => {
    expect((await get(pemApp, await sign(es.privateKey, 'ES256', 'any'))).statusCode).toBe(200)
    expect((await get(pemApp, await sign(stranger.privateKey, 'ES256', 'any'))).statusCode).toBe(401)
  })
})
