import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { type CreateFile, type ReadFile, reasonOf, withoutTrailingNewline } from './files.js'

/** The file, in the data directory, that holds the generated development secret. */
export const DEV_SECRET_FILE = 'dev-jwt-secret'

/** `EVENTCORE_DATA_DIR` value that keeps everything in memory. */
export const MEMORY_DATA_DIR = 'memory://'

/**
 * A development secret: where it lives (undefined in memory) and whether this call created it
 * (true in memory, where every start creates one), or why there is none.
 */
export type DevSecret =
  | { readonly ok: true; readonly secret: string; readonly path: string | undefined; readonly created: boolean }
  | { readonly ok: false; readonly problem: string }

const generate = () => randomBytes(32).toString('base64url')

const isMissing = (error: unknown) => reasonOf(error) === 'ENOENT'
const isTaken = (error: unknown) => reasonOf(error) === 'EEXIST'

function readSecret(path: string, readFile: ReadFile): DevSecret | 'missing' {
  let secret: string
  try {
    secret = withoutTrailingNewline(readFile(path))
  } catch (error) {
    if (isMissing(error)) return 'missing'
    return { ok: false, problem: `cannot read the development JWT secret '${path}' (${reasonOf(error)})` }
  }
  if (Buffer.byteLength(secret) < 32) {
    return { ok: false, problem: `the development JWT secret '${path}' is under 32 bytes; delete it to get a new one` }
  }
  return { ok: true, secret, path, created: false }
}

/**
 * The HS256 secret for a development service with no key configured: read from
 * `<dataDir>/dev-jwt-secret`, or generated (32 random bytes, base64url) and written there with mode
 * 0600, so restarts and the token script agree. With `memory://` the secret lives in memory only.
 *
 * @example
 * const result = devSecret('/app/data', { readFile, createFile })
 * if (result.ok) console.log(`secret ${result.created ? 'created' : 'read'} in ${result.path}`)
 */
export function devSecret(
  dataDir: string,
  { readFile, createFile }: { readFile: ReadFile; createFile: CreateFile },
): DevSecret {
  if (dataDir === MEMORY_DATA_DIR) return { ok: true, secret: generate(), path: undefined, created: true }
  const path = join(dataDir, DEV_SECRET_FILE)
  const found = readSecret(path, readFile)
  if (found !== 'missing') return found
  const secret = generate()
  try {
    createFile(path, `${secret}\n`)
  } catch (error) {
    // Another process (the server and the token script starting together) wrote it first: use theirs.
    const theirs = isTaken(error) ? readSecret(path, readFile) : 'missing'
    if (theirs !== 'missing') return theirs
    return { ok: false, problem: `cannot write the development JWT secret '${path}' (${reasonOf(error)})` }
  }
  return { ok: true, secret, path, created: true }
}
