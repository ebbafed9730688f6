import { ValidationError } from '@eventcore/core'
import { rolesSql } from '@eventcore/postgres'
import { Command } from 'commander'
import { CliError } from '../cli-error.js'
import { EXIT } from '../exit-code.js'
import { action, type Shell } from '../shell.js'

interface RolesOptions {
  readonly printSql?: boolean
  readonly schema?: string
  readonly migrator: string
  readonly app: string
}

/** `eventcore-cli db …`: what a database administrator runs once. */
export function dbCommand(shell: Shell): Command {
  const command = new Command('db').description('Database set-up for administrators.')
  command
    .command('roles')
    .description(
      'Prints the SQL that creates the two roles: a migrator that owns the schema and an application role with only the DML the service needs (events insert-only). Run it as a superuser; it sets no passwords.',
    )
    .option('--print-sql', 'print the SQL (the only action: the CLI never creates roles itself)')
    .option('--schema <name>', 'the schema (default: EVENTCORE_DATABASE_SCHEMA, else eventcore)')
    .option('--migrator <role>', 'the role that owns the schema and runs migrations', 'eventcore_migrator')
    .option('--app <role>', 'the role the service connects as', 'eventcore_app')
    .addHelpText(
      'after',
      '\nExample:\n  eventcore-cli db roles --print-sql | psql "$ADMIN_DATABASE_URL" -v ON_ERROR_STOP=1\n\nSee docs/database-security.md.\n',
    )
    .action(
      action<RolesOptions>(shell, async ({ io }, _args, options) => {
        if (!options.printSql)
          throw new CliError('usage', 'say --print-sql: the CLI prints the SQL for you to review and run')
        const schema = options.schema ?? io.env.EVENTCORE_DATABASE_SCHEMA ?? 'eventcore'
        let sql: string
        try {
          sql = rolesSql({ schema, migrator: options.migrator, app: options.app })
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error
          throw new CliError('usage', error.message)
        }
        return {
          exitCode: EXIT.ok,
          json: { schema, migrator: options.migrator, app: options.app, sql },
          text: sql.endsWith('\n') ? sql : `${sql}\n`,
        }
      }),
    )
  return command
}
