import { isAbsolute, resolve } from 'node:path'
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

const FILES = {
  ca: { name: 'EVENTCORE_DATABASE_SSL_CA_FILE', pem: /-----BEGIN CERTIFICATE-----/ },
  cert: { name: 'EVENTCORE_DATABASE_SSL_CERT_FILE', pem: /-----BEGIN CERTIFICATE-----/ },
  key: { name: 'EVENTCORE_DATABASE_SSL_KEY_FILE', pem: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
} as const

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
  for (const [field, { name, pem }] of Object.entries(FILES) as [keyof typeof FILES, (typeof FILES)['ca']][]) {
    const path = env[name as keyof ParsedEnv] as string | undefined
    if (path === undefined) continue
    const absolute = isAbsolute(path) ? path : resolve(cwd, path)
    let text: string
    try {
      text = readFile(absolute)
    } catch (error) {
      problems.push(`${name}: cannot read '${absolute}' (${reasonOf(error)})`)
      continue
    }
    if (!pem.test(text)) {
      problems.push(`${name}: '${absolute}' is not a PEM ${field === 'key' ? 'private key' : 'certificate'}`)
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
    const issues = (error as { issues?: readonly { path: string; message: string }[] }).issues ?? []
    for (const issue of issues) {
      const variable = issue.path === 'connectionString' ? 'EVENTCORE_DATABASE_URL' : 'EVENTCORE_DATABASE_SSL_*_FILE'
      problems.push(`${variable}: ${issue.message}`)
    }
    if (issues.length === 0) problems.push(`EVENTCORE_DATABASE_URL: ${(error as Error).message}`)
  }
  return { ssl: problems.length > 0 ? undefined : given, problems, warnings }
}
