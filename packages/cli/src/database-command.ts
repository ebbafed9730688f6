import { StoreUnavailableError } from '@eventcore/core'
import { appliedMigrations, LATEST_VERSION } from '@eventcore/postgres'
import type { Config } from '@eventcore/service'
import { type Command, Option } from 'commander'
import { CliError, isCliError, messageOf } from './cli-error.js'
import { loadCliConfig } from './config.js'
import { type OpenedDatabase, openDatabase } from './database.js'
import type { CommandContext } from './shell.js'

/** The flags every database command takes; each wins over its variable. */
export interface DatabaseFlags {
  readonly databaseUrl?: string
  readonly dataDir?: string
}

/** Adds `--database-url` and `--data-dir` to a database command. */
export function withDatabaseFlags(command: Command): Command {
  return command
    .addOption(new Option('--database-url <url>', 'PostgreSQL URL (default: EVENTCORE_DATABASE_URL)'))
    .addOption(
      new Option('--data-dir <dir>', 'PGlite directory when no URL is set (default: EVENTCORE_DATA_DIR, ./data)'),
    )
}

/**
 * Loads the configuration with the flags applied, opens the database (migrating only when asked),
 * runs `work`, and closes it. A store that cannot answer is a `connection` error (exit 2) naming
 * the location. No message leaves with the URL's password in it, even a driver's.
 */
export async function withDatabase<T>(
  { io, global }: CommandContext,
  flags: DatabaseFlags,
  { migrate, create = false }: { migrate: boolean | 'inspect'; create?: boolean },
  work: (opened: OpenedDatabase, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadCliConfig(
    io,
    { EVENTCORE_DATABASE_URL: flags.databaseUrl, EVENTCORE_DATA_DIR: flags.dataDir },
    { keyless: true },
  )
  const password = passwordOf(config.database.url)
  try {
    const opened = await openDatabase(config, { migrate, create, timeoutMs: global.timeoutMs })
    try {
      return await work(opened, config)
    } catch (error) {
      // PostgreSQL connects on the first query: a store that cannot answer is a connection error.
      if (error instanceof StoreUnavailableError)
        throw new CliError('connection', `${opened.location}: ${messageOf(error)}`, { cause: error })
      throw error
    } finally {
      await opened.store.close().catch(() => {})
    }
  } catch (error) {
    if (password === undefined || !messageOf(error).includes(password)) throw error
    const message = messageOf(error).replaceAll(password, '***')
    throw new CliError(isCliError(error) ? error.kind : 'connection', message)
  }
}

function passwordOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  try {
    const password = decodeURIComponent(new URL(url).password)
    return password === '' ? undefined : password
  } catch {
    return undefined
  }
}

/**
 * Refuses (exit 2) a schema this binary cannot work with: not migrated, or missing migrations.
 * Commands that read EventCore's tables call it first, so the user gets the fix, not a SQL error.
 */
export async function requireMigrated(opened: OpenedDatabase): Promise<void> {
  const applied = await appliedMigrations(opened.store.driver, opened.store.schema)
  if (applied.length === 0)
    throw new CliError('config', `schema ${opened.store.schema.name} is not migrated: run eventcore-cli migrate`)
  if (!applied.includes(LATEST_VERSION) && (applied.at(-1) ?? 0) < LATEST_VERSION)
    throw new CliError(
      'config',
      `schema ${opened.store.schema.name} is at ${applied.at(-1)} of ${LATEST_VERSION}: run eventcore-cli migrate`,
    )
}
