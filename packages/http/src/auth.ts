import type { FastifyInstance, FastifyRequest } from 'fastify'
import { createRemoteJWKSet, importSPKI, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose'
import { HttpProblem } from './problem.js'
import { createVerifiedTokens } from './verified-tokens.js'

/** Who made a request, from a verified token. */
export interface Principal {
  /** The token's `sub`. */
  readonly id: string
  readonly roles: readonly string[]
  readonly permissions: ReadonlySet<string>
}

/** An HS256 shared secret, at least 32 bytes. */
export interface SecretKey {
  readonly secret: string
  readonly jwksUrl?: never
  readonly publicKeyPem?: never
  readonly publicKeyAlgorithm?: never
}

/** RS256/ES256 keys from a JWKS URL (the identity provider's key set, refreshed as it rotates). */
export interface JwksKey {
  readonly jwksUrl: string
  readonly secret?: never
  readonly publicKeyPem?: never
  readonly publicKeyAlgorithm?: never
}

/** One RS256 or ES256 public key (SPKI PEM). */
export interface PublicKey {
  readonly publicKeyPem: string
  /** The algorithm of `publicKeyPem`. @default 'RS256' */
  readonly publicKeyAlgorithm?: 'RS256' | 'ES256'
  readonly secret?: never
  readonly jwksUrl?: never
}

/** How token signatures are verified: exactly one of a secret, a JWKS URL or a public key. */
export type TokenKey = SecretKey | JwksKey | PublicKey

/** What a verified token must also satisfy, and how long a verification is remembered. */
export interface TokenChecks {
  /** Required `iss`, when set. */
  readonly issuer?: string
  /** Required `aud`, when set. */
  readonly audience?: string
  /** Tokens issued longer ago than this are refused (needs `iat`). @default 3600 */
  readonly maxTokenAgeSeconds?: number
  /** Allowed clock difference for `exp`, `nbf` and `iat`. @default 30 */
  readonly clockToleranceSeconds?: number
  /**
   * Verified tokens remembered, so a repeated token skips signature verification. An entry lasts
   * until the token's `exp`, or `iat` plus the maximum age, or `verifiedCacheSeconds`, whichever is
   * first; 0 turns the cache off. A key removed from a JWKS stops counting after this long.
   * @default 60
   */
  readonly verifiedCacheSeconds?: number
  /** @default () => new Date() */
  readonly clock?: () => Date
}

/**
 * Bearer-token authentication and role-based authorization: one {@link TokenKey} (giving two, or
 * none, does not compile, and is refused at startup for JavaScript callers), the
 * {@link TokenChecks}, and the role table.
 *
 * @example
 * const auth: AuthOptions = { jwksUrl: 'https://id.example.com/.well-known/jwks.json', roles: { admin: ['users:write'] } }
 */
export type AuthOptions = TokenKey &
  TokenChecks & {
    /** Role → permissions, the one table every route is checked against. */
    readonly roles: Readonly<Record<string, readonly string[]>>
  }

/**
 * Who may call a route, under `config.eventcore`: callers holding a permission, or anyone
 * (`public: true`), or, with neither, any caller with a valid token. A route both public and
 * guarded by a permission does not compile, and is refused when registered.
 */
export type RouteAccess = PermissionAccess | PublicAccess | TokenAccess

/** Callers holding the permission. */
export interface PermissionAccess {
  /**
   * The permission a caller needs, or several of which any one will do (e.g. `['users:read',
   * 'users:read:self']`, the route then checks which one the caller has with {@link can}).
   */
  readonly permission: string | readonly string[]
  readonly public?: false
}

/** Anyone: no token needed (e.g. a login or a public read). */
export interface PublicAccess {
  readonly public: true
  readonly permission?: never
}

/** Any caller with a valid token, whatever its permissions. */
export interface TokenAccess {
  readonly public?: false
  readonly permission?: never
}

/**
 * What else a route asks of the plugin under `config.eventcore`, beside its {@link RouteAccess};
 * the plugin's modules add their own members (e.g. `idempotent`).
 */
// biome-ignore lint/suspicious/noEmptyInterface: modules augment it with their route options
export interface RouteFeatures {}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; undefined on public routes called without a token. */
    principal: Principal | undefined
  }
  interface FastifyContextConfig {
    eventcore?: RouteAccess & RouteFeatures
  }
}

/** How many verified tokens are remembered at most (oldest out first). */
const VERIFIED_CACHE_ENTRIES = 10_000

const unauthorized = (detail: string) => new HttpProblem(401, 'unauthorized', 'Unauthorized', detail)

/** Longest `sub` accepted: it becomes the events' actor and a rate-limit key. */
const MAX_SUBJECT_LENGTH = 256

// Control characters (C0, DEL, C1) and lone UTF-16 surrogates: a subject carrying one could not be
// stored (NUL), would break log lines or keys, or cannot be encoded as UTF-8 at all.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose
const UNFIT_SUBJECT = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udfff]/u

/** Why `sub` cannot name a caller, or undefined when it can. */
function subjectProblem(sub: unknown): string | undefined {
  if (typeof sub !== 'string' || sub === '') return 'its subject (sub) must be a non-empty string'
  if (sub.length > MAX_SUBJECT_LENGTH) return `its subject (sub) is longer than ${MAX_SUBJECT_LENGTH} characters`
  if (UNFIT_SUBJECT.test(sub)) return 'its subject (sub) contains control characters or ill-formed Unicode'
  return undefined
}

/**
 * Why each request's token was refused, kept from authentication (which runs before the rate
 * limiter, so refused callers are counted by address) to authorization (which answers 401).
 */
const refusals = new WeakMap<FastifyRequest, HttpProblem>()

type Key = Uint8Array | Awaited<ReturnType<typeof importSPKI>> | JWTVerifyGetKey

/** The key sources given, for refusing several at once from JavaScript callers the types do not reach. */
const keySources = (options: AuthOptions) =>
  (['secret', 'jwksUrl', 'publicKeyPem'] as const).filter((source) => options[source] !== undefined)

async function keyOf(options: AuthOptions): Promise<{ key: Key; algorithms: string[] }> {
  const given = keySources(options)
  if (given.length > 1) throw new Error(`auth takes one of secret, jwksUrl, publicKeyPem; got ${given.join(', ')}`)
  if (options.secret !== undefined) {
    if (Buffer.byteLength(options.secret) < 32) throw new Error('the JWT secret must be at least 32 bytes')
    // Imported once: handing jose the raw bytes would import a new key on every verification.
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(options.secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    )
    return { key, algorithms: ['HS256'] }
  }
  // Asymmetric keys accept asymmetric algorithms only: an HS256 token signed with the public key
  // as its "secret" (algorithm confusion) fails.
  if (options.jwksUrl) return { key: createRemoteJWKSet(new URL(options.jwksUrl)), algorithms: ['RS256', 'ES256'] }
  if (options.publicKeyPem) {
    const algorithm = options.publicKeyAlgorithm ?? 'RS256'
    return { key: await importSPKI(options.publicKeyPem, algorithm), algorithms: [algorithm] }
  }
  throw new Error('auth needs a secret, a jwksUrl or a publicKeyPem')
}

/**
 * Verifies `Authorization: Bearer` tokens (the first of two onRequest hooks, see
 * {@link registerAuthorization}): sets `request.principal` for a valid token, and remembers the
 * refusal of a missing, malformed, badly signed, expired, too old, `alg: none` or wrongly addressed
 * token, or one whose subject is unfit (empty, over 256 characters, control characters, ill-formed
 * Unicode), so that the rate limiter can count the request by address before it is answered 401.
 */
export async function registerAuthentication(app: FastifyInstance, options: AuthOptions): Promise<void> {
  const { key, algorithms } = await keyOf(options)
  const {
    issuer,
    audience,
    maxTokenAgeSeconds = 3600,
    clockToleranceSeconds = 30,
    roles,
    verifiedCacheSeconds = 60,
    clock = () => new Date(),
  } = options
  const verified = createVerifiedTokens<Principal>(VERIFIED_CACHE_ENTRIES)
  app.decorateRequest('principal', undefined)

  const verify = async (request: FastifyRequest): Promise<Principal | undefined> => {
    const header = request.headers.authorization
    if (header === undefined) return undefined
    const [scheme, token] = header.split(' ')
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthorized('use Authorization: Bearer <token>')
    const now = clock()
    const known = verifiedCacheSeconds > 0 ? verified.get(token, now.getTime()) : undefined
    if (known) return known
    let payload: JWTPayload
    try {
      const verifyOptions = {
        currentDate: now,
        algorithms,
        requiredClaims: ['exp', 'iat', 'sub'],
        maxTokenAge: maxTokenAgeSeconds,
        clockTolerance: clockToleranceSeconds,
        ...(issuer === undefined ? {} : { issuer }),
        ...(audience === undefined ? {} : { audience }),
      }
      payload =
        typeof key === 'function'
          ? (await jwtVerify(token, key, verifyOptions)).payload
          : (await jwtVerify(token, key, verifyOptions)).payload
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'invalid token'
      throw unauthorized(`the token was refused: ${reason}`)
    }
    const unfit = subjectProblem(payload.sub)
    if (unfit !== undefined) throw unauthorized(`the token was refused: ${unfit}`)
    const granted = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : []
    const principal: Principal = {
      id: String(payload.sub),
      roles: granted,
      permissions: new Set(granted.flatMap((role) => roles[role] ?? [])),
    }
    if (verifiedCacheSeconds > 0) {
      // exp and iat are required claims: the entry ends before the token would be refused.
      const untilMs = Math.min(
        Number(payload.exp) * 1000,
        (Number(payload.iat) + maxTokenAgeSeconds) * 1000,
        now.getTime() + verifiedCacheSeconds * 1000,
      )
      verified.set(token, principal, untilMs)
    }
    return principal
  }

  // onRequest: callers are turned away before their body is even read.
  app.addHook('onRequest', async function authenticate(request) {
    try {
      request.principal = await verify(request)
    } catch (error) {
      if (!(error instanceof HttpProblem)) throw error
      refusals.set(request, error)
    }
  })
}

/**
 * Answers what {@link registerAuthentication} found: 401 for a refused token (on every route, public
 * ones too) or a missing one (unless `config.eventcore.public`); 403 for a caller whose roles lack
 * the route's permission. Added after the rate limiter's hook.
 */
export function registerAuthorization(app: FastifyInstance): void {
  // The types refuse a route both public and guarded; JavaScript callers learn it at startup.
  app.addHook('onRoute', (route) => {
    const access = route.config?.eventcore
    if (access?.public === true && access.permission !== undefined) {
      throw new TypeError(`route ${route.url}: config.eventcore is public or needs a permission, not both`)
    }
  })
  app.addHook('onRequest', async function authorize(request) {
    const refusal = refusals.get(request)
    if (refusal) throw refusal
    const access = request.routeOptions.config.eventcore ?? {}
    const principal = request.principal
    if (access.public) return
    if (!principal) throw unauthorized('this route needs a bearer token')
    if (access.permission === undefined) return
    const anyOf = typeof access.permission === 'string' ? [access.permission] : access.permission
    if (!anyOf.some((permission) => principal.permissions.has(permission))) {
      throw new HttpProblem(403, 'forbidden', 'Forbidden', `this route needs the permission ${anyOf.join(' or ')}`)
    }
  })
}

/**
 * True when the request's caller holds `permission`, for routes that allow several (a user may read
 * itself with `users:read:self`, an operator anyone with `users:read`).
 *
 * @example
 * if (!can(request, 'users:read') && request.principal?.id !== request.params.id) throw forbidden()
 */
export function can(request: FastifyRequest, permission: string): boolean {
  return request.principal?.permissions.has(permission) ?? false
}

/**
 * Both halves at once, {@link registerAuthentication} then {@link registerAuthorization}, for an
 * app without a rate limiter between them.
 *
 * @example
 * await registerAuth(app, { secret, roles: { admin: ['users:write'] } })
 */
export async function registerAuth(app: FastifyInstance, options: AuthOptions): Promise<void> {
  await registerAuthentication(app, options)
  registerAuthorization(app)
}
