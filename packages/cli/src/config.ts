import { type Config, type EnvName, loadConfig } from '@eventcore/service'
import { CliError } from './cli-error.js'
import type { CliIo } from './io.js'

/** Flags that stand for an `EVENTCORE_*` variable; a flag given wins over the variable. */
export type ConfigOverrides = Partial<Record<EnvName, string | undefined>>

/**
 * The service's configuration as the service itself would load it (the same variables, files and
 * checks), with `overrides` applied first. Every problem becomes one `config` error (exit 2).
 * `keyless` is for commands that never verify or sign a token (the database commands): they need
 * no JWT key, even in production, and never write a development secret.
 *
 * @example
 * const config = loadCliConfig(io, { EVENTCORE_DATABASE_URL: options.databaseUrl })
 */
export function loadCliConfig(
  io: CliIo,
  overrides: ConfigOverrides = {},
  { keyless = false }: { readonly keyless?: boolean } = {},
): Config {
  const given = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined))
  const result = loadConfig({ ...io.env, ...given }, { cwd: io.cwd, keyless })
  if (!result.ok) {
    const count = result.problems.length === 1 ? '1 problem' : `${result.problems.length} problems`
    throw new CliError('config', `the configuration has ${count}: ${result.problems.join('; ')}`)
  }
  for (const warning of result.warnings) io.stderr(`warning: ${warning}\n`)
  return result.config
}
