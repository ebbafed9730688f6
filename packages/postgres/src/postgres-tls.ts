import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import { ValidationError, type ValidationIssue } from '@eventcore/core'

/** PEM texts for TLS to PostgreSQL (the contents, not file names). */
export interface PostgresTlsOptions {
  /** CA certificate(s) the server's certificate must chain to. @default Node's trusted CAs */
  readonly ca?: string
  /** Client certificate, for `cert` authentication; needs `key`. @default none */
  readonly cert?: string
  /** The client certificate's private key; needs `cert`. @default none */
  readonly key?: string
  /** Host name to check the server's certificate against (`verify-full`). @default the URL's host */
  readonly servername?: string
}

/** How the connection is protected, as libpq's `sslmode` names it; `undefined` is pg's default (plaintext, or `PGSSLMODE`). */
export type PostgresSslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full'

/** What `pg` is given: the URL without its TLS parameters, and the TLS settings they and `ssl` resolve to. */
export interface ResolvedPostgresTls {
  readonly connectionString: string | undefined
  readonly ssl: false | ConnectionOptions | undefined
  readonly mode: PostgresSslMode | undefined
}

const MODES: readonly PostgresSslMode[] = ['disable', 'require', 'verify-ca', 'verify-full']
// The URL parameters this module owns; pg-connection-string would otherwise turn them into an
// `ssl` object that replaces ours (pg merges the parsed URL over the config it is given).
const TLS_PARAMS = ['sslmode', 'ssl', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat'] as const
const FILE_PARAMS = { ca: 'sslrootcert', cert: 'sslcert', key: 'sslkey' } as const

/**
 * Resolves the URL's `sslmode` (libpq's meaning) and its `sslrootcert`/`sslcert`/`sslkey` files,
 * with `ssl` given in code winning over the files, into the URL and `ssl` setting to give `pg`:
 * `disable` plaintext; `require` encrypted (the CA checked when one is given, as libpq does);
 * `verify-ca` the CA checked (a CA is required); `verify-full` the CA and the host name. No
 * `sslmode` with `ssl` given, or a CA or client certificate in the URL, means `verify-full`. `allow` and `prefer` are refused:
 * pg cannot fall back to the other kind of connection, so they would not mean what they say.
 *
 * @example
 * resolvePostgresTls('postgres://db.internal/app?sslmode=verify-full', { ca: readFileSync('ca.pem', 'utf8') })
 * // { connectionString: 'postgres://db.internal/app', ssl: { ca: '-----BEGIN…' }, mode: 'verify-full' }
 */
export function resolvePostgresTls(
  connectionString: string | undefined,
  ssl: PostgresTlsOptions | undefined,
): ResolvedPostgresTls {
  const url = parseUrl(connectionString)
  if (!url && !ssl) return { connectionString, ssl: undefined, mode: undefined }
  const issues: ValidationIssue[] = []
  const param = (name: string) => url?.searchParams.get(name) ?? undefined
  const fromFile = (name: string): string | undefined => {
    const path = param(name)
    if (path === undefined) return undefined
    try {
      return readFileSync(path, 'utf8')
    } catch (error) {
      issues.push({ path: 'connectionString', message: `${name}: cannot read ${path} (${(error as Error).message})` })
      return undefined
    }
  }
  const files = {
    ca: ssl?.ca ?? fromFile(FILE_PARAMS.ca),
    cert: ssl?.cert ?? fromFile(FILE_PARAMS.cert),
    key: ssl?.key ?? fromFile(FILE_PARAMS.key),
  }
  const mode = modeOf(param('sslmode'), param('ssl'), ssl !== undefined || Boolean(files.ca || files.cert), issues)
  if (Boolean(files.cert) !== Boolean(files.key))
    issues.push({ path: 'ssl', message: 'a client certificate needs its key, and a key its certificate' })
  if (mode === 'disable' && (files.ca || files.cert))
    issues.push({ path: 'ssl', message: 'sslmode=disable, yet TLS certificates are configured: choose one' })
  if (mode === 'verify-ca' && !files.ca)
    issues.push({ path: 'ssl', message: 'sslmode=verify-ca needs a CA certificate (ssl.ca or sslrootcert)' })
  if (issues.length > 0) throw new ValidationError(issues)
  // Rebuilt only when it carried TLS parameters: anything else reaches pg as written.
  const carried = url !== undefined && TLS_PARAMS.some((name) => url.searchParams.has(name))
  for (const name of TLS_PARAMS) url?.searchParams.delete(name)
  const stripped = carried ? url.toString() : connectionString
  if (mode === undefined) return { connectionString: stripped, ssl: undefined, mode }
  if (mode === 'disable') return { connectionString: stripped, ssl: false, mode }
  const given: ConnectionOptions = {
    ...(files.ca ? { ca: files.ca } : {}),
    ...(files.cert ? { cert: files.cert, key: files.key } : {}),
    ...(ssl?.servername ? { servername: ssl.servername } : {}),
  }
  // Node checks the chain unless told not to, and the host name unless `checkServerIdentity` says yes.
  const skipHostCheck = { checkServerIdentity: () => undefined }
  const settings: Record<Exclude<PostgresSslMode, 'disable'>, ConnectionOptions> = {
    require: files.ca ? { ...given, ...skipHostCheck } : { ...given, rejectUnauthorized: false },
    'verify-ca': { ...given, ...skipHostCheck },
    'verify-full': given,
  }
  return { connectionString: stripped, ssl: settings[mode], mode }
}

function modeOf(
  sslmode: string | undefined,
  legacy: string | undefined,
  tlsConfigured: boolean,
  issues: ValidationIssue[],
): PostgresSslMode | undefined {
  if (sslmode !== undefined) {
    if ((MODES as readonly string[]).includes(sslmode)) return sslmode as PostgresSslMode
    issues.push({
      path: 'connectionString',
      message: `sslmode=${sslmode} is not supported: use ${MODES.join(', ')} (pg cannot fall back between plaintext and TLS as allow/prefer would)`,
    })
    return undefined
  }
  // pg's own `ssl=true` means TLS with Node's full checks; `ssl=false` none.
  if (legacy === 'true' || legacy === '1') return 'verify-full'
  if (legacy === 'false' || legacy === '0') return 'disable'
  return tlsConfigured ? 'verify-full' : undefined
}

// A socket path or a libpq key=value string is pg's to read; only postgres:// URLs carry our parameters.
function parseUrl(connectionString: string | undefined): URL | undefined {
  if (!connectionString || !/^postgres(ql)?:\/\//i.test(connectionString)) return undefined
  try {
    return new URL(connectionString)
  } catch {
    return undefined
  }
}
