import type { DeadLetter } from '@eventcore/core'
import { createSqlProjectionStore } from '@eventcore/postgres'
import { Command, Option } from 'commander'
import { type DatabaseFlags, withDatabaseFlags } from '../database-command.js'
import { EXIT } from '../exit-code.js'
import {
  deadLettersOf,
  dropParked,
  findProjection,
  positionText,
  REPLAY_NOTE,
  requireParked,
  retryParked,
} from '../projection-admin.js'
import { action, type Shell } from '../shell.js'
import { renderTable } from '../table.js'
import { dryRun, onStore, projectionArg } from './projection-shell.js'

interface DeadLetterOptions extends DatabaseFlags {
  readonly event?: string
  readonly yes?: boolean
}

const deadLetterJson = (d: DeadLetter) => ({ ...d, failedAt: d.failedAt.toISOString() })

const deadLetterRows = (parked: readonly DeadLetter[]) =>
  renderTable(
    ['EVENT', 'POSITION', 'ATTEMPTS', 'FAILED AT', 'ERROR'],
    parked.map((d) => [d.eventId, String(d.globalPosition), String(d.attempts), d.failedAt.toISOString(), d.error]),
  )

/** `eventcore-cli projections dead-letters <name>` and its `retry` and `drop`. */
export function deadLettersCommand(shell: Shell): Command {
  const deadLetters = withDatabaseFlags(
    new Command('dead-letters')
      .argument('<name>', 'the projection: name, or name@version (default: the active version, else the highest)')
      .description('Lists the events a projection version parked, with their errors; retry or drop them.')
      .addHelpText('after', '\nExample:\n  eventcore-cli projections dead-letters users\n'),
  ).action(
    action<DatabaseFlags>(shell, async (context, args, options) =>
      onStore(context, options, async (store) => {
        const checkpoint = findProjection(await createSqlProjectionStore(store).list(), ...projectionArg(args[0]))
        const parked = await deadLettersOf(store, checkpoint)
        return {
          exitCode: EXIT.ok,
          json: { name: checkpoint.name, version: checkpoint.version, deadLetters: parked.map(deadLetterJson) },
          text:
            parked.length === 0
              ? `${checkpoint.name}@${checkpoint.version}: no dead letters\n`
              : `${checkpoint.name}@${checkpoint.version}: ${parked.length} dead letter(s)\n${deadLetterRows(parked)}`,
        }
      }),
    ),
  )

  withDatabaseFlags(
    deadLetters
      .command('retry')
      .argument('<name>', 'the projection: name, or name@version (default: the active version, else the highest)')
      .description(
        'Removes dead letters (all, or --event and those after it) and moves the checkpoint back to just before the earliest, so the runner applies it, and every event after it, again.',
      )
      .addHelpText('after', '\nExample:\n  eventcore-cli projections dead-letters retry users --event <event-id>\n'),
  )
    .addOption(new Option('--event <id>', 'only this event (and the parked events after it, replayed anyway)'))
    .action(
      action<DeadLetterOptions>(shell, async (context, args, options) =>
        onStore(context, options, async (store) => {
          const checkpoint = findProjection(await createSqlProjectionStore(store).list(), ...projectionArg(args[0]))
          requireParked(await deadLettersOf(store, checkpoint), checkpoint, options.event)
          const { retried, move } = await retryParked(store, checkpoint, options.event)
          const label = `${checkpoint.name}@${checkpoint.version}`
          return {
            exitCode: EXIT.ok,
            json: { name: checkpoint.name, version: checkpoint.version, retried: retried.map(deadLetterJson), move },
            text:
              retried.length === 0 || !move
                ? `${label}: no dead letters to retry\n`
                : `${label}: ${retried.length} dead letter(s) removed (${retried.map((d) => d.eventId).join(', ')}); checkpoint moved from ${positionText(move.from)} to ${positionText(move.to)}, so the runner applies the event at position ${retried[0]?.globalPosition} and every later one again.\n${REPLAY_NOTE}\n`,
          }
        }),
      ),
    )

  withDatabaseFlags(
    deadLetters
      .command('drop')
      .argument('<name>', 'the projection: name, or name@version (default: the active version, else the highest)')
      .description('Discards dead letters (all, or --event) for good; the projection never applies those events.')
      .addHelpText(
        'after',
        '\nExample:\n  eventcore-cli projections dead-letters drop users --event <event-id> --yes\n',
      ),
  )
    .addOption(new Option('--event <id>', 'only this event'))
    .addOption(new Option('--yes', 'do it (without: print what would happen, exit 2)'))
    .action(
      action<DeadLetterOptions>(shell, async (context, args, options) =>
        onStore(context, options, async (store) => {
          const checkpoint = findProjection(await createSqlProjectionStore(store).list(), ...projectionArg(args[0]))
          const parked = await deadLettersOf(store, checkpoint)
          requireParked(parked, checkpoint, options.event)
          const label = `${checkpoint.name}@${checkpoint.version}`
          const chosen = options.event === undefined ? parked : parked.filter((d) => d.eventId === options.event)
          if (!options.yes)
            return dryRun(`${label}: would discard ${chosen.length} dead letter(s)`, {
              wouldDrop: chosen.map(deadLetterJson),
            })
          const dropped = await dropParked(store, checkpoint, options.event)
          return {
            exitCode: EXIT.ok,
            json: { name: checkpoint.name, version: checkpoint.version, dropped: dropped.map(deadLetterJson) },
            text: `${label}: ${dropped.length} dead letter(s) discarded\n`,
          }
        }),
      ),
    )
  return deadLetters
}
