// Type tests: compiled by `tsc -b` (npm test runs it first). A @ts-expect-error that stops being an
// error fails the build, so each "one of these" below is checked.
import type { AuthOptions, RouteAccess } from './auth.js'

const roles = { admin: ['users:write'] }
const secret = 'a-secret-of-at-least-thirty-two-bytes!'

export const withSecret: AuthOptions = { secret, roles }
export const withJwks: AuthOptions = { jwksUrl: 'https://id.example.com/.well-known/jwks.json', roles }
export const withPem: AuthOptions = { publicKeyPem: '-----BEGIN PUBLIC KEY-----', publicKeyAlgorithm: 'ES256', roles }

// @ts-expect-error a key source is required
export const noKey: AuthOptions = { roles }
// @ts-expect-error one key source, not two
export const twoKeys: AuthOptions = { secret, jwksUrl: 'https://id.example.com/jwks', roles }
// @ts-expect-error the algorithm belongs to a PEM public key only
export const algorithmWithSecret: AuthOptions = { secret, publicKeyAlgorithm: 'RS256', roles }

export const guarded: RouteAccess = { permission: ['users:read', 'users:read:self'] }
export const open: RouteAccess = { public: true }
export const anyToken: RouteAccess = {}

// @ts-expect-error a route is public or needs a permission, not both
export const both: RouteAccess = { public: true, permission: 'users:read' }
