import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DEFAULTS, DEV_SECRET_FILE, MEMORY_DATA_DIR, mintToken, type RawEnv } from '@eventcore/service'
import { CliError, messageOf } from './cli-error.js'
import { loadCliConfig } from './config.js'
import type { CliIo } from './io.js'

/**
 * How the validators authenticate: a token given as is, a secret to mint tokens with (valid or
 * expired, admin role), or nothing (the checks needing a token are skipped and say why).
 */
export type Credentials =
  | { readonly kind: 'token'; readonly token: string }
  | {
      readonly kind: 'secret'
      /** A token of the CLI's subject: the admin role unless `roles` says otherwise. */
      readonly mint: (mint: { readonly expired: boolean; readonly roles?: readonly string[] }) => Promise<string>
    }
  | { readonly kind: 'none'; readonly why: string }

/** The flags that choose {@link Credentials}. */
export interface CredentialFlags {
  readonly token?: string
  readonly jwtSecretFile?: string
}

/** The subject of the tokens the CLI mints for its own checks. */
export const CLI_SUBJECT = 'eventcore-cli'

const KEY_VARIABLES = [
  'EVENTCORE_JWT_SECRET',
  'EVENTCORE_JWT_SECRET_FILE',
  'EVENTCORE_JWT_JWKS_URL',
  'EVENTCORE_JWT_PUBLIC_KEY',
  'EVENTCORE_JWT_PUBLIC_KEY_FILE',
]

/** The env without any JWT key source, so `--jwt-secret-file` is the only one (flags win). */
const withoutKeys = (env: RawEnv): RawEnv =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !KEY_VARIABLES.includes(name)))

// RFC 6750's b64token, what a bearer token can be. Anything else cannot go into a header, and
// fetch's error for it quotes the whole header value (the token) back.
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * `--token` as given, trimmed and checked: not empty, RFC 6750 characters only. The error never
 * repeats the token.
 *
 * @example
 * const token = bearerToken(options.token) // throws a usage CliError for 'abc\ndef'
 */
export function bearerToken(text: string): string {
  const token = text.trim()
  if (token === '') throw new CliError('usage', '--token is empty')
  if (!BEARER_TOKEN.test(token)) {
    throw new CliError('usage', '--token is not a bearer token (only letters, digits, -._~+/ and trailing =)')
  }
  return token
}

/**
 * The credentials the flags and the `EVENTCORE_*` configuration give: `--token` as is; with
 * `--jwt-secret-file`, tokens minted with that secret (and the configured issuer/audience); else
 * the configured `EVENTCORE_JWT_SECRET` (or `_FILE`), or the development secret a service generated
 * in the same `EVENTCORE_DATA_DIR`; else none.
 *
 * @example
 * const credentials = resolveCredentials(io, { jwtSecretFile: '/run/secrets/jwt' })
 */
export function resolveCredentials(io: CliIo, flags: CredentialFlags): Credentials {
  if (flags.token !== undefined && flags.jwtSecretFile !== undefined) {
    throw new CliError('usage', 'give --token or --jwt-secret-file, not both')
  }
  if (flags.token !== undefined) return { kind: 'token', token: bearerToken(flags.token) }
  if (flags.jwtSecretFile !== undefined) {
    try {
      readFileSync(flags.jwtSecretFile)
    } catch (error) {
      throw new CliError('usage', `--jwt-secret-file ${flags.jwtSecretFile}: ${messageOf(error)}`)
    }
    const scoped: CliIo = { ...io, env: { ...withoutKeys(io.env), EVENTCORE_JWT_SECRET_FILE: flags.jwtSecretFile } }
    return minting(io, loadCliConfig(scoped).auth.options)
  }
  // A configured secret is shared with the service, and so is the development secret a service
  // generated in the same data directory (`npm start` next door). Loading a configuration with
  // neither would generate (and write) a development secret that no service has seen.
  const configured = ['EVENTCORE_JWT_SECRET', 'EVENTCORE_JWT_SECRET_FILE'].some((name) => io.env[name] !== undefined)
  const config = configured || devSecretExists(io) ? loadCliConfig(io) : undefined
  if (config?.auth.options.secret === undefined) {
    return { kind: 'none', why: 'no token: give --token or --jwt-secret-file (or set EVENTCORE_JWT_SECRET)' }
  }
  return minting(io, config.auth.options)
}

function devSecretExists(io: CliIo): boolean {
  const dataDir = io.env.EVENTCORE_DATA_DIR ?? DEFAULTS.EVENTCORE_DATA_DIR
  return dataDir !== MEMORY_DATA_DIR && existsSync(join(resolve(io.cwd, dataDir), DEV_SECRET_FILE))
}

interface SigningOptions {
  readonly secret?: string
  readonly issuer?: string
  readonly audience?: string
  readonly maxTokenAgeSeconds?: number
  readonly clockToleranceSeconds?: number
}

function minting(io: CliIo, options: SigningOptions): Credentials {
  const { secret, issuer, audience, maxTokenAgeSeconds = 3600, clockToleranceSeconds = 30 } = options
  if (secret === undefined) throw new CliError('config', 'the JWT secret file gave no HS256 secret')
  const ttlSeconds = Math.min(600, maxTokenAgeSeconds)
  return {
    kind: 'secret',
    mint: ({ expired, roles = ['admin'] }) => {
      const now = io.now()
      // An expired token: issued and expired well beyond the service's clock tolerance, yet within
      // its maximum token age, so that only `exp` can be the reason it is refused.
      const issued = expired ? new Date(now.getTime() - (clockToleranceSeconds + 2 * 60) * 1000) : now
      return mintToken({
        secret,
        sub: CLI_SUBJECT,
        roles,
        ttlSeconds: expired ? 60 : ttlSeconds,
        ...(issuer === undefined ? {} : { issuer }),
        ...(audience === undefined ? {} : { audience }),
        now: issued,
      })
    },
  }
}

/** A valid token from `credentials` (minted with the admin role when they hold a secret), if any. */
export async function tokenOf(credentials: Credentials): Promise<string | undefined> {
  if (credentials.kind === 'token') return credentials.token
  return credentials.kind === 'secret' ? credentials.mint({ expired: false }) : undefined
}
