import { Command, Option } from 'commander'
import { auditCommand } from './commands/audit.js'
import { backupCommand } from './commands/backup.js'
import { checklistCommand } from './commands/checklist.js'
import { dbCommand } from './commands/db.js'
import { eventsCommand } from './commands/events.js'
import { healthCheckCommand } from './commands/health-check.js'
import { migrateCommand } from './commands/migrate.js'
import { projectionsCommand } from './commands/projections.js'
import { streamsCommand } from './commands/streams.js'
import { testCommand } from './commands/test.js'
import { tokenCommand } from './commands/token.js'
import { validateCommand } from './commands/validate.js'
import { DEFAULT_TIMEOUT_MS, positiveInteger, type Shell } from './shell.js'
import { CLI_VERSION } from './version.js'

const EXIT_CODES_HELP = `
Exit codes:
  0  every check passed (or the command did what it was asked)
  1  a check ran and failed
  2  the command could not run: bad usage or configuration, or a database or URL that did not answer

Configuration: the same EVENTCORE_* variables as the service (see docs/configuration.md); flags win.
Colour only on a terminal, never with NO_COLOR set or --json.

Examples:
  eventcore-cli health-check database
  eventcore-cli checklist --url http://127.0.0.1:8080
  eventcore-cli audit --url https://api.example.com --format sarif --fail-on high
`

/**
 * The `eventcore-cli` program: global options and every command. Commands run in `shell`, which
 * collects the exit code.
 */
export function createProgram(shell: Shell): Command {
  const program = new Command('eventcore-cli')
    .description("EventCore's production checklist, automated: health checks, smoke test, audit, validators and admin.")
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .addOption(new Option('--json', 'print one JSON document instead of text'))
    .addOption(new Option('--verbose', 'print stack traces with errors'))
    .addOption(
      new Option('--timeout <ms>', 'longest wait for any one network operation')
        .default(DEFAULT_TIMEOUT_MS)
        .argParser(positiveInteger),
    )
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: shell.io.stdout, writeErr: shell.io.stderr })
    .exitOverride()
  for (const command of [
    healthCheckCommand(shell),
    testCommand(shell),
    validateCommand(shell),
    auditCommand(shell),
    checklistCommand(shell),
    dbCommand(shell),
    migrateCommand(shell),
    projectionsCommand(shell),
    streamsCommand(shell),
    eventsCommand(shell),
    backupCommand(shell),
    tokenCommand(shell),
  ]) {
    // Subcommands report through the shell too, and answer bad usage with exit 2 as the program does.
    program.addCommand(inherit(command, shell))
  }
  return program
}

function inherit(command: Command, shell: Shell): Command {
  command.configureOutput({ writeOut: shell.io.stdout, writeErr: shell.io.stderr }).exitOverride()
  command.showHelpAfterError('(add --help for usage)')
  for (const sub of command.commands) inherit(sub, shell)
  return command
}
