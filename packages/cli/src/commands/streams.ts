import { Command, Option } from 'commander'
import { type DatabaseFlags, requireMigrated, withDatabase, withDatabaseFlags } from '../database-command.js'
import { eventJson, eventLine } from '../event-lines.js'
import { EXIT } from '../exit-code.js'
import { action, positiveInteger, type Shell } from '../shell.js'

interface StreamsShowOptions extends DatabaseFlags {
  readonly limit: number
  readonly fromVersion: number
}

/** Default of `streams show --limit`. */
const DEFAULT_LIMIT = 100

/** `eventcore-cli streams show <id>`: a stream's version and its events. */
export function streamsCommand(shell: Shell): Command {
  const command = new Command('streams').description("Reads one stream's events.")
  withDatabaseFlags(
    command
      .command('show')
      .argument('<id>', 'the stream id, e.g. user-0190f3c2-…')
      .description(
        "Prints the stream's version and its events from --from-version, at most --limit: per event its version, global position, time recorded, type, id and data (cut to 120 characters; --json prints every field whole, metadata included).",
      ),
  )
    .addOption(new Option('--limit <n>', 'the most events to print').default(DEFAULT_LIMIT).argParser(positiveInteger))
    .addOption(
      new Option('--from-version <v>', 'the first stream version to print').default(1).argParser(positiveInteger),
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 the stream has events, 1 it has none (version 0), 2 no connection, bad usage or configuration.

Examples:
  eventcore-cli streams show user-0190f3c2-7d1e-7a4b-9c1d-2f3e4a5b6c7d
  eventcore-cli streams show account-42 --from-version 1000 --limit 50 --json
`,
    )
    .action(
      action<StreamsShowOptions>(shell, async (context, args, options) => {
        const id = args[0] ?? ''
        return withDatabase(context, options, { migrate: 'inspect' }, async (opened) => {
          await requireMigrated(opened)
          const slice = await opened.store.readStream(id, { fromVersion: options.fromVersion })
          const shown = slice.events.slice(0, options.limit)
          const last = shown.at(-1)?.streamVersion
          const more =
            last !== undefined && last < slice.version
              ? `… ${slice.version - last} more: --from-version ${last + 1}\n`
              : ''
          const head =
            slice.version === 0
              ? `stream ${id}: no events (version 0)\n`
              : `stream ${id}: version ${slice.version}, showing ${shown.length} event(s) from version ${options.fromVersion}\n`
          return {
            exitCode: slice.version === 0 ? EXIT.failed : EXIT.ok,
            json: { streamId: id, version: slice.version, events: shown.map(eventJson) },
            text: `${head}${shown.map((event) => eventLine(event, context.output.colors, { withStream: false })).join('')}${more}`,
          }
        })
      }),
    )
  return command
}
