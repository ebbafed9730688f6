// Every route the app registers × every role (and no token) × the caller's own and another's user,
// against the permission table (roles.ts). Routes come from Fastify's onRoute hook, not a hand
// list: a route added without a rule in RULES fails this file, and so the build.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROLES, type Role } from '../roles.js'
import { eventCount } from './event-count.js'
import { databaseUrl, newUser, registered, startTestService, type TestService } from './harness.js'

type Permission = (typeof ROLES)[Role][number]

/** What a route lets through. */
type Rule =
  /** No token needed; nobody is refused. */
  | { readonly kind: 'public' }
  /** Any valid token. */
  | { readonly kind: 'token' }
  /** Whoever holds `permission`, or `self` on their own user (the `:id` is the token's subject). */
  | { readonly kind: 'permission'; readonly permission: Permission; readonly self?: Permission }
  /** A 405 answer for a method the path does not serve, to anyone. */
  | { readonly kind: 'method-not-allowed' }

const PUBLIC: Rule = { kind: 'public' }
const TOKEN: Rule = { kind: 'token' }
const NOT_ALLOWED: Rule = { kind: 'method-not-allowed' }
const needs = (permission: Permission, self?: Permission): Rule =>
  self === undefined ? { kind: 'permission', permission } : { kind: 'permission', permission, self }
const notAllowed = (url: string, methods: readonly string[]) =>
  Object.fromEntries(methods.map((method) => [`${method} ${url}`, NOT_ALLOWED]))
/** A GET route and the HEAD Fastify adds for it, with one rule. */
const read = (url: string, rule: Rule) => ({ [`GET ${url}`]: rule, [`HEAD ${url}`]: rule })

/** The expected table: `METHOD url` → rule, for every route. */
const RULES: Readonly<Record<string, Rule>> = {
  ...read('/health', PUBLIC),
  ...read('/ready', PUBLIC),
  ...read('/metrics', PUBLIC),
  ...read('/openapi.json', PUBLIC),
  // The API explorer (EVENTCORE_API_DOCS, on outside production): its page, files and document.
  ...read('/docs', PUBLIC),
  'HEAD /docs/': PUBLIC,
  ...read('/docs/json', PUBLIC),
  ...read('/docs/yaml', PUBLIC),
  ...read('/docs/static/*', PUBLIC),
  ...read('/docs/static/index.html', PUBLIC),
  ...read('/docs/static/swagger-initializer.js', PUBLIC),
  'OPTIONS *': PUBLIC, // CORS preflights, on any path, carry no token
  'POST /api/v1/users': needs('users:create'),
  ...read('/api/v1/users', needs('users:list')),
  ...read('/api/v1/users/:id', needs('users:read', 'users:read:self')),
  'PATCH /api/v1/users/:id': needs('users:update', 'users:update:self'),
  'POST /api/v1/users/:id/deactivate': needs('users:deactivate'),
  ...read('/api/v1/me', TOKEN),
  ...notAllowed('/api/v1/users', ['PUT', 'PATCH', 'DELETE']),
  ...notAllowed('/api/v1/users/:id', ['POST', 'PUT', 'DELETE']),
  ...notAllowed('/api/v1/users/:id/deactivate', ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE']),
  ...notAllowed('/api/v1/me', ['POST', 'PUT', 'PATCH', 'DELETE']),
}

type Caller = Role | 'anonymous'
const CALLERS: readonly Caller[] = ['anonymous', ...(Object.keys(ROLES) as Role[])]
type Target = 'own' | 'other'

const holds = (caller: Caller, permission: Permission | undefined): boolean =>
  caller !== 'anonymous' && permission !== undefined && (ROLES[caller] as readonly string[]).includes(permission)

/** What the table says `caller` gets on `target`: let through (2xx), or refused with 401 or 403. */
function expected(rule: Rule, caller: Caller, target: Target): 'allowed' | 401 | 403 | 405 | 'public' {
  switch (rule.kind) {
    case 'public':
      return 'public'
    case 'method-not-allowed':
      return 405
    case 'token':
      return caller === 'anonymous' ? 401 : 'allowed'
    case 'permission':
      if (caller === 'anonymous') return 401
      if (holds(caller, rule.permission) || (target === 'own' && holds(caller, rule.self))) return 'allowed'
      return 403
  }
}

/** OPTIONS is a CORS preflight from an allowed origin: what a browser sends first, without a token. */
const ORIGIN = 'https://app.example.com'
const PREFLIGHT = { origin: ORIGIN, 'access-control-request-method': 'GET' }

/** The body a route needs to succeed when allowed. */
function bodyFor(method: string, url: string): unknown {
  if (method === 'POST' && url === '/api/v1/users') return newUser('matrix')
  if (method === 'PATCH') return { first_name: 'Renamed' }
  return undefined
}

describe('the authorization matrix', () => {
  let service: TestService
  const routes = new Set<string>()
  beforeAll(async () => {
    // Fastify announces each new instance on this channel before anything is registered on it.
    const watch = (message: unknown) => {
      const { fastify } = message as { fastify: FastifyInstance }
      fastify.addHook('onRoute', (route: RouteOptions) => {
        for (const method of [route.method].flat()) routes.add(`${method} ${route.url}`)
      })
    }
    subscribe('fastify.initialization', watch)
    try {
      service = await startTestService(databaseUrl ? 'postgres' : 'pglite', {
        EVENTCORE_RATE_LIMIT_MAX: '1000000',
        EVENTCORE_CORS_ORIGINS: ORIGIN,
      })
    } finally {
      unsubscribe('fastify.initialization', watch)
    }
  })
  afterAll(() => service?.close())

  it('has a rule for every route the app registers, and a route for every rule', () => {
    expect(routes.size).toBeGreaterThan(10)
    const unruled = [...routes].filter((route) => !Object.hasOwn(RULES, route)).sort()
    expect(unruled, 'routes without a rule in RULES: add one').toEqual([])
    const stale = Object.keys(RULES).filter((route) => !routes.has(route))
    expect(stale, 'rules for routes the app does not register').toEqual([])
  })

  it.each(Object.entries(RULES))('%s answers every caller as the permission table says', async (route, rule) => {
    expect(routes.has(route), `${route} is not registered`).toBe(true)
    const [method = '', url = ''] = route.split(' ')
    const targets: readonly Target[] = url.includes(':id') ? ['own', 'other'] : ['own']
    const admin = await service.token(['admin'], 'matrix-registrar')
    const cells: string[] = []
    for (const caller of CALLERS) {
      // Fresh users per caller: a deactivation or rename never changes another cell's answer.
      const own = url.includes(':id') ? await registered(service, { label: 'own', token: admin }) : undefined
      const other = url.includes(':id') ? await registered(service, { label: 'other', token: admin }) : undefined
      const sub = own?.id ?? `matrix-${caller}`
      const token = caller === 'anonymous' ? undefined : await service.token([caller], sub)
      for (const target of targets) {
        const id = target === 'own' ? own?.id : other?.id
        const path = url === '*' ? '/api/v1/users' : url.replace(':id', id ?? '')
        const json = bodyFor(method, url)
        const call = () =>
          service.call(path, {
            method,
            ...(token ? { token } : {}),
            ...(json === undefined ? {} : { json }),
            ...(method === 'OPTIONS' ? { headers: PREFLIGHT } : {}),
          })
        const want = expected(rule, caller, target)
        const before = await eventCount(service)
        const response = await call()
        const { status } = response
        await response.arrayBuffer()
        const written = (await eventCount(service)) - before
        const cell = `${caller} on ${target}: ${status}`
        cells.push(cell)
        if (want === 'allowed') expect(status, cell).toBeGreaterThanOrEqual(200)
        if (want === 'allowed') expect(status, cell).toBeLessThan(300)
        if (want === 'public') expect([401, 403], cell).not.toContain(status)
        if (want === 'public') expect(status, cell).toBeLessThan(500)
        if (typeof want === 'number') {
          expect(status, cell).toBe(want)
          expect(written, `${cell} wrote nothing`).toBe(0)
        }
      }
    }
    expect(cells.length).toBe(CALLERS.length * targets.length)
  })
})
