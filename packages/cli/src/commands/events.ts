import { type EventFilter, type RecordedEvent, subscribe } from '@eventcore/core'
import { readLatest } from '@eventcore/postgres/store-kit'
import { Command, Option } from 'commander'
import { type DatabaseFlags, requireMigrated, withDatabase, withDatabaseFlags } from '../database-command.js'
import { eventJson, eventLine } from '../event-lines.js'
import { EXIT } from '../exit-code.js'
import { action, type CommandContext, positiveInteger, type Shell } from '../shell.js'

interface EventsTailOptions extends DatabaseFlags {
  readonly follow?: boolean
  readonly type?: string[]
  readonly streamPrefix?: string
  readonly limit: number
}

/** Default of `events tail --limit`. */
const DEFAULT_LIMIT = 20

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value]

/** `eventcore-cli events tail`: the end of the global log, and (with `--follow`) what is appended next. */
export function eventsCommand(shell: Shell): Command {
  const command = new Command('events').description('Reads the global log of events.')
  withDatabaseFlags(
    command
      .command('tail')
      .description(
        'Prints the last --limit events of the global log (in its order: the order projections apply them), only those of the --type(s) and --stream-prefix given; with --follow, keeps printing events as they are appended, until Ctrl-C (SIGINT) or SIGTERM, then exits 0.',
      ),
  )
    .addOption(new Option('--follow', 'keep printing new events until interrupted'))
    .addOption(new Option('--type <type>', 'only events of this type; repeat for several').argParser(collect))
    .addOption(new Option('--stream-prefix <prefix>', 'only events of streams whose id starts with this, e.g. user-'))
    .addOption(
      new Option('--limit <n>', 'how many of the last events to print first')
        .default(DEFAULT_LIMIT)
        .argParser(positiveInteger),
    )
    .addHelpText(
      'after',
      `
Output: one line per event (stream#version, @global position, time, type, id, data cut to 120
characters). With --json: one JSON document { events: [...] }; with --json --follow: NDJSON, one
event object per line (the tail first, then each new event), every field whole. Following works
against PostgreSQL (LISTEN/NOTIFY, polling as the fallback); PGlite allows one process per
directory, so only while no service has it open.

Exit codes: 0 printed (or followed until interrupted), 2 no connection, bad usage or configuration.

Examples:
  eventcore-cli events tail --limit 50
  eventcore-cli events tail --follow --type UserRegistered --type UserDeactivated
  eventcore-cli events tail --follow --stream-prefix user- --json | jq .type
`,
    )
    .action(
      action<EventsTailOptions>(shell, async (context, _args, options) =>
        withDatabase(context, options, { migrate: 'inspect' }, async (opened) => {
          await requireMigrated(opened)
          const { store } = opened
          const filter: EventFilter = {
            ...(options.type ? { types: options.type } : {}),
            ...(options.streamPrefix === undefined ? {} : { streamPrefix: options.streamPrefix }),
          }
          const { events, head } = await readLatest(store.driver, store.schema, { limit: options.limit, ...filter })
          const print = printer(context)
          if (!options.follow) {
            return {
              exitCode: EXIT.ok,
              json: { events: events.map(eventJson) },
              text: events.length === 0 ? 'no events\n' : events.map(print.line).join(''),
            }
          }
          for (const event of events) context.io.stdout(print.streamed(event))
          if (!context.global.json) context.io.stderr(`following ${opened.location} (Ctrl-C to stop)\n`)
          const stop = new AbortController()
          const abort = () => stop.abort()
          process.once('SIGINT', abort)
          process.once('SIGTERM', abort)
          try {
            for await (const batch of subscribe(store, { from: head, filter, signal: stop.signal })) {
              for (const event of batch.events) context.io.stdout(print.streamed(event))
            }
          } finally {
            process.off('SIGINT', abort)
            process.off('SIGTERM', abort)
          }
          return { exitCode: EXIT.ok, json: null, text: '', streamed: true }
        }),
      ),
    )
  return command
}

/** Lines for people, or (`--json --follow`) one compact JSON object per line. */
function printer({ global, output }: CommandContext) {
  const line = (event: RecordedEvent) => eventLine(event, output.colors, { withStream: true })
  return {
    line,
    streamed: (event: RecordedEvent) => (global.json ? `${JSON.stringify(eventJson(event))}\n` : line(event)),
  }
}
