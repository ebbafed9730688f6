import { isAbsolute, resolve } from 'node:path'
import type { ReadFile } from './files.js'
import { reasonOf, withoutTrailingNewline } from './files.js'
import { isSet, type RawEnv } from './parse-env.js'
import { SECRET_NAMES } from './schema.js'

/** The environment with every `<NAME>_FILE` read into `<NAME>`. */
export interface ResolvedSecrets {
  readonly env: RawEnv
  /** The variables whose value came from a file, for messages that name where it came from. */
  readonly fromFile: ReadonlySet<string>
  readonly problems: readonly string[]
}

/**
 * Reads each secret variable's `<NAME>_FILE` (relative paths from `cwd`), trimming the trailing
 * newline. Setting both `<NAME>` and `<NAME>_FILE`, an unreadable file and an empty one are
 * problems; they name the variable and the path, never the contents.
 *
 * @example
 * resolveSecretFiles({ EVENTCORE_JWT_SECRET_FILE: '/run/secrets/jwt' }, { readFile, cwd: '/app' })
 * // → { env: { EVENTCORE_JWT_SECRET: '…', … }, fromFile: Set { 'EVENTCORE_JWT_SECRET' }, problems: [] }
 */
export function resolveSecretFiles(
  raw: RawEnv,
  { readFile, cwd }: { readFile: ReadFile; cwd: string },
): ResolvedSecrets {
  const env: Record<string, string | undefined> = { ...raw }
  const fromFile = new Set<string>()
  const problems: string[] = []
  for (const name of SECRET_NAMES) {
    const fileVariable = `${name}_FILE`
    const path = raw[fileVariable]
    if (!isSet(path)) continue
    if (isSet(raw[name])) {
      problems.push(`${name} and ${fileVariable} are both set; set only one`)
      continue
    }
    const absolute = isAbsolute(path) ? path : resolve(cwd, path)
    let contents: string
    try {
      contents = withoutTrailingNewline(readFile(absolute))
    } catch (error) {
      problems.push(`${fileVariable}: cannot read '${absolute}' (${reasonOf(error)})`)
      continue
    }
    if (contents === '') {
      problems.push(`${fileVariable}: '${absolute}' is empty`)
      continue
    }
    env[name] = contents
    fromFile.add(name)
  }
  return { env, fromFile, problems }
}
