import type { SqlEventStore } from '@eventcore/postgres'
import { type DatabaseFlags, requireMigrated, withDatabase } from '../database-command.js'
import { EXIT } from '../exit-code.js'
import type { CommandContext, Outcome } from '../shell.js'

/**
 * `users` or `users@2`: the program's `-V, --version` is taken on every command line (commander
 * reads global options after the command too), so a version goes with the name, as output shows it.
 */
export function projectionArg(text: string | undefined): [name: string, version: number | undefined] {
  const match = /^(.+)@(\d+)$/.exec(text ?? '')
  return match ? [match[1] ?? '', Number(match[2])] : [text ?? '', undefined]
}

/** Opens the database, checks the schema, and runs `work` on the store with the projection checkpoints. */
export function onStore<T>(
  context: CommandContext,
  flags: DatabaseFlags,
  work: (store: SqlEventStore) => Promise<T>,
): Promise<T> {
  return withDatabase(context, flags, { migrate: 'inspect' }, async (opened) => {
    await requireMigrated(opened)
    return work(opened.store)
  })
}

/** What a mutation without `--yes` answers: what it would do, and exit 2. */
export function dryRun(what: string, json: object): Outcome {
  return {
    exitCode: EXIT.error,
    json: { dryRun: true, ...json },
    text: `${what}.\nNothing done: add --yes to do it.\n`,
  }
}
