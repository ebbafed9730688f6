import { isAbsolute, resolve } from 'node:path'
import { ValidationError } from '@eventcore/core'
import { resolvePostgresTls } from '@eventcore/postgres'
import type { DatabaseTls } from './config.js'
import { type ReadFile, reasonOf } from './files.js'
import type { ParsedEnv } from './schema.js'

/** What {@link readDatabaseTls} found: the certificates, or the problems with them. */
export interface DatabaseTlsResult {
  readonly ssl: DatabaseTls | undefined
  readonly problems: readonly string[]
  readonly warnings: readonly string[]
}

const CERTIFICATE = { pattern: /-----BEGIN CERTIFICATE-----/, kind: 'certificate' } as const
const PRIVATE_KEY = { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, kind: 'private key' } as const
const FILES = [
  { field: 'ca', name: 'EVENTCORE_DATABASE_SSL_CA_FILE', pem: CERTIFICATE },
  { field: 'cert', name: 'EVENTCORE_DATABASE_SSL_CERT_FILE', pem: CERTIFICATE },
  { field: 'key', name: 'EVENTCORE_DATABASE_SSL_KEY_FILE', pem: PRIVATE_KEY },
] as const

/**
 * Reads the `EVENTCORE_DATABASE_SSL_*_FILE` certificates (relative paths from `cwd`) and checks
 * them with the URL's `sslmode` as the store will: an unreadable file, one that is not PEM, a
 * certificate without its key, `sslmode=prefer` and the like are problems naming the variable and
 * the path, never a file's contents or the URL's password.
 *
 * @example
 * readDatabaseTls({ EVENTCORE_DATABASE_SSL_CA_FILE: '/run/secrets/db-ca.pem' }, { readFile, cwd: '/app' })
 * // → { ssl: { ca: '-----BEGIN CERTIFICATE-----…' }, problems: [], warnings: [] }
 */
export function readDatabaseTls(
  env: ParsedEnv,
  { readFile, cwd }: { readFile: ReadFile; cwd: string },
): DatabaseTlsResult {
  const problems: string[] = []
  const warnings: string[] = []
  const ssl: { ca?: string; cert?: string; key?: string } = {}
  for (const { field, name, pem } of FILES) {
    const path = env[name]
    if (path === undefined) continue
    const absolute = isAbsolute(path) ? path : resolve(cwd, path)
    let text: string
    try {
      text = readFile(absolute)
    } catch (error) {
      problems.push(`${name}: cannot read '${absolute}' (${reasonOf(error)})`)
      continue
    }
    if (!pem.pattern.test(text)) {
      problems.push(`${name}: '${absolute}' is not a PEM ${pem.kind}`)
      continue
    }
    ssl[field] = text
  }
  const given = Object.keys(ssl).length > 0 ? ssl : undefined
  if (problems.length > 0) return { ssl: undefined, problems, warnings }
  if (env.EVENTCORE_DATABASE_URL === undefined) {
    if (given) warnings.push('EVENTCORE_DATABASE_SSL_*_FILE apply to PostgreSQL only (EVENTCORE_DATABASE_URL); ignored')
    return { ssl: undefined, problems, warnings }
  }
  try {
    resolvePostgresTls(env.EVENTCORE_DATABASE_URL, given)
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    for (const issue of error.issues) {
      const variable = issue.path === 'connectionString' ? 'EVENTCORE_DATABASE_URL' : 'EVENTCORE_DATABASE_SSL_*_FILE'
      problems.push(`${variable}: ${issue.message}`)
    }
  }
  return { ssl: problems.length > 0 ? undefined : given, problems, warnings }
}
