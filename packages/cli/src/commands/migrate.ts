import { appliedMigrations, LATEST_VERSION, migrate } from '@eventcore/postgres'
import { migrations } from '@eventcore/postgres/store-kit'
import { Command, Option } from 'commander'
import { type DatabaseFlags, withDatabase, withDatabaseFlags } from '../database-command.js'
import { EXIT } from '../exit-code.js'
import { action, type Shell } from '../shell.js'

interface MigrateOptions extends DatabaseFlags {
  readonly dryRun?: boolean
}

/** A migration as reported: its version and what it does. */
interface Step {
  readonly version: number
  readonly name: string
}

const stepsOf = (versions: readonly number[]): Step[] =>
  versions.map((version) => ({ version, name: migrations.find((m) => m.version === version)?.name ?? '(unknown)' }))

const listed = (steps: readonly Step[]) => steps.map((step) => `  ${step.version}  ${step.name}\n`).join('')

/** `eventcore-cli migrate [--dry-run]`: applies the pending migrations of the schema, or lists them. */
export function migrateCommand(shell: Shell): Command {
  return withDatabaseFlags(
    new Command('migrate')
      .summary('Applies the pending schema migrations (--dry-run lists them).')
      .description(
        "Brings the schema up to this binary's latest migration, in one transaction under an advisory lock (safe while services run; several migrators take turns). Prints the versions before and after and each one applied; running it again applies nothing.",
      ),
  )
    .addOption(new Option('--dry-run', 'list the pending migrations without applying them'))
    .addHelpText(
      'after',
      `
Run it as the role that owns the schema (the migrator), with the same EVENTCORE_DATABASE_URL /
EVENTCORE_DATABASE_SCHEMA as the service, or --data-dir for the embedded database (while the
service using that directory is stopped: PGlite allows one process).

Exit codes: 0 migrated, already up to date, or (--dry-run) listed; 2 no connection or bad configuration.

Examples:
  eventcore-cli migrate --dry-run
  eventcore-cli migrate --database-url postgres://migrator@db.internal:5432/app
`,
    )
    .action(
      action<MigrateOptions>(shell, async (context, _args, options) =>
        withDatabase(context, options, { migrate: 'inspect' }, async ({ store, location }) => {
          const before = await appliedMigrations(store.driver, store.schema)
          const pending = stepsOf(
            Array.from({ length: LATEST_VERSION }, (_, i) => i + 1).filter((v) => !before.includes(v)),
          )
          const from = before.at(-1) ?? 0
          const ahead =
            from > LATEST_VERSION ? ` (ahead of this binary's ${LATEST_VERSION}: a newer release migrated it)` : ''
          const head = `${location}, schema ${store.schema.name}: at ${from}${ahead}\n`
          if (options.dryRun) {
            return {
              exitCode: EXIT.ok,
              json: {
                location,
                schema: store.schema.name,
                dryRun: true,
                version: from,
                latest: LATEST_VERSION,
                pending,
              },
              text:
                pending.length === 0
                  ? `${head}nothing to apply\n`
                  : `${head}would apply ${pending.length} migration(s):\n${listed(pending)}`,
            }
          }
          const { applied } = await migrate(store.driver, store.schema)
          const after = await appliedMigrations(store.driver, store.schema)
          const to = after.at(-1) ?? 0
          const steps = stepsOf(applied)
          return {
            exitCode: EXIT.ok,
            json: {
              location,
              schema: store.schema.name,
              before: from,
              after: to,
              latest: LATEST_VERSION,
              applied: steps,
            },
            text:
              steps.length === 0
                ? `${head}up to date: nothing applied\n`
                : `${head}applied ${steps.length} migration(s):\n${listed(steps)}now at ${to}\n`,
          }
        }),
      ),
    )
}
