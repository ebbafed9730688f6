import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseEnv } from 'node:util'
import type { RawEnv } from './config/index.js'

/** The file read for development settings when nothing else is asked: `.env` in the working directory. */
export const DEFAULT_ENV_FILE = '.env'

/** The environment with a `.env` file's settings beneath it, or why the file asked for cannot be read. */
export type EnvWithFile =
  | { readonly ok: true; readonly env: RawEnv; readonly file: string | undefined }
  | { readonly ok: false; readonly problem: string }

const reasonOf = (error: unknown) =>
  typeof error === 'object' && error !== null && typeof Reflect.get(error, 'code') === 'string'
    ? String(Reflect.get(error, 'code'))
    : String(error)

/**
 * `env` with the settings of a dotenv file added beneath it (a variable already in `env` wins,
 * even when empty), parsed by Node's own `util.parseEnv`:
 * - `EVENTCORE_ENV_FILE=path` reads that file, in any `NODE_ENV` (production only this way); a
 *   file that cannot be read is a problem;
 * - otherwise, when `NODE_ENV` is unset or `development` (not `production`, not `test`), `.env`
 *   in `cwd` when there is one;
 * - otherwise nothing is read.
 * `NODE_ENV` and `EVENTCORE_ENV_FILE` are read from `env` itself, never from the file.
 *
 * @example
 * const loaded = envWithFile(process.env, process.cwd())
 * if (loaded.ok) loadConfig(loaded.env)
 */
export function envWithFile(
  env: RawEnv,
  cwd: string,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): EnvWithFile {
  const asked = env.EVENTCORE_ENV_FILE
  // Tests (NODE_ENV=test, as vitest sets) stay hermetic: a developer's .env never reaches them.
  const development = env.NODE_ENV === undefined || env.NODE_ENV === 'development'
  if (asked === undefined && !development) return { ok: true, env, file: undefined }
  const path = resolve(cwd, asked ?? DEFAULT_ENV_FILE)
  let content: string
  try {
    content = readFile(path)
  } catch (error) {
    if (asked === undefined && reasonOf(error) === 'ENOENT') return { ok: true, env, file: undefined }
    return { ok: false, problem: `EVENTCORE_ENV_FILE: cannot read '${path}' (${reasonOf(error)})` }
  }
  const fromFile: Record<string, string | undefined> = parseEnv(content)
  const { NODE_ENV: _ignoredEnv, EVENTCORE_ENV_FILE: _ignoredFile, ...settings } = fromFile
  return { ok: true, env: { ...settings, ...env }, file: path }
}
