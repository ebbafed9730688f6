import { createSqlProjectionStore, type SqlEventStore } from '@eventcore/postgres'
import { Command, type Command as CommandType, InvalidArgumentError, Option } from 'commander'
import { type DatabaseFlags, withDatabaseFlags } from '../database-command.js'
import { EXIT } from '../exit-code.js'
import {
  applyReset,
  BEHIND_CAP,
  describeReset,
  findProjection,
  type ProjectionReport,
  planReset,
  projectionReports,
  REPLAY_NOTE,
  type ResetTarget,
} from '../projection-admin.js'
import { action, type Outcome, type Shell } from '../shell.js'
import { renderTable } from '../table.js'
import { deadLettersCommand } from './projection-dead-letters.js'
import { dryRun, onStore, projectionArg } from './projection-shell.js'

type TargetOptions = DatabaseFlags

interface ResetOptions extends TargetOptions {
  readonly toPosition?: number
  readonly yes?: boolean
}

function wholeNumber(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new InvalidArgumentError('expected a whole number ≥ 0')
  return Number(text)
}

const listRow = (p: ProjectionReport) => [
  p.name,
  String(p.version),
  p.active ? 'yes' : 'no',
  p.state,
  String(p.processed),
  String(p.cursor.position),
]

const behindText = (p: ProjectionReport) => (p.eventsBehindCapped ? `${BEHIND_CAP}+` : String(p.eventsBehind))

function reportJson(p: ProjectionReport) {
  return {
    name: p.name,
    version: p.version,
    active: p.active,
    state: p.state,
    processed: p.processed,
    position: p.cursor.position,
    cursor: p.cursor,
    eventsBehind: p.eventsBehind,
    eventsBehindCapped: p.eventsBehindCapped,
    secondsBehind: p.secondsBehind,
    deadLetters: p.deadLetters,
    lastError: p.lastError ? { ...p.lastError, at: p.lastError.at.toISOString() } : null,
  }
}

const HELP = `
A projection is named as the output shows it: users, or users@2 for a version (default: the active
version, else the highest).

What each does (the CLI has no projection code, so it never touches a read model itself):
  list          every projection version: name, version, active, state, processed, position
                (the global position of the last event it passed).
  status        the same with events behind (counted up to ${BEHIND_CAP}), seconds behind (age of the
                oldest unprocessed event), dead letters and the last error; exit 1 when one has failed.
  reset         moves a version's checkpoint (default: to the start; --to-position N: to just after
                the event at global position N) and clears a failed state, so the runner resumes there.
  rebuild       reset to the start, and the processed count starts again from 0.
  dead-letters  lists the events a projection parked (policy onExhausted: 'dead-letter');
                retry removes them and moves the checkpoint back to just before the earliest, so the
                runner applies it again, and every event after it (the later parked ones included);
                drop discards them for good.

The read model is not cleared by reset, rebuild or retry: the events after the new checkpoint are
applied again, so handlers must be idempotent upserts. The users service's projection is: it writes
a row only when the event's stream version is newer than the row's, so a replay fills in what is
missing or behind and leaves the rest. It cannot repair a row that is wrong yet ahead: for that, or
for a read model whose shape changed, deploy the projection with a new version (a new table): the
library rebuilds it from the start beside the active one and switches reads over when it catches up.
A handler that is not idempotent (e.g. one that adds amounts) must have its read model cleared
first: stop the service, truncate the table, reset, start it.

A running runner follows a moved checkpoint at its next batch: at once while it is catching up, at
the next append to the log when it had caught up. A runner that failed has ended: restart the service
after the reset. Mutations ask for --yes; without it they print what they would do and exit 2.

Examples:
  eventcore-cli projections status
  eventcore-cli projections reset users --to-position 1200 --yes
  eventcore-cli projections rebuild users@2 --yes
  eventcore-cli projections dead-letters users
  eventcore-cli projections dead-letters retry users --event 0190f3c2-7d1e-7a4b-9c1d-2f3e4a5b6c7d
`

/** `eventcore-cli projections …`: see and steer projection checkpoints and dead letters. */
export function projectionsCommand(shell: Shell): Command {
  const command = new Command('projections')
    .description('Shows projections and moves their checkpoints (reset, rebuild, dead-letter retry and drop).')
    .addHelpText('after', HELP)

  withDatabaseFlags(
    command
      .command('list')
      .description('Lists every projection version and its checkpoint.')
      .addHelpText('after', '\nExample:\n  eventcore-cli projections list --database-url "$EVENTCORE_DATABASE_URL"\n'),
  ).action(
    action<DatabaseFlags>(shell, async (context, _args, flags) =>
      onStore(context, flags, async (store) => {
        const reports = await projectionReports(store, { now: context.io.now })
        return {
          exitCode: EXIT.ok,
          json: { projections: reports.map(reportJson) },
          text:
            reports.length === 0
              ? 'no projections\n'
              : renderTable(['NAME', 'VERSION', 'ACTIVE', 'STATE', 'PROCESSED', 'POSITION'], reports.map(listRow)),
        }
      }),
    ),
  )

  withDatabaseFlags(
    command
      .command('status')
      .argument('[name]', 'one projection: name, or name@version (default: all)')
      .description('Each projection version with its lag, dead letters and last error; exit 1 when one has failed.')
      .addHelpText('after', '\nExample:\n  eventcore-cli projections status users --json\n'),
  ).action(
    action<TargetOptions>(shell, async (context, args, options) =>
      onStore(context, options, async (store) => {
        let reports = await projectionReports(store, { now: context.io.now })
        if (args[0] !== undefined) {
          const [name, version] = projectionArg(args[0])
          findProjection(reports, name, version)
          reports = reports.filter((r) => r.name === name && (version ?? r.version) === r.version)
        }
        const rows = reports.map((p) => [
          ...listRow(p),
          behindText(p),
          p.secondsBehind.toFixed(1),
          String(p.deadLetters),
        ])
        const errors = reports
          .filter((p) => p.lastError)
          .map(
            (p) =>
              `${p.name}@${p.version} last error at ${p.lastError?.at.toISOString()} (event ${p.lastError?.eventId ?? '?'}): ${p.lastError?.message}\n`,
          )
        return {
          exitCode: reports.some((p) => p.state === 'failed') ? EXIT.failed : EXIT.ok,
          json: { projections: reports.map(reportJson) },
          text:
            reports.length === 0
              ? 'no projections\n'
              : renderTable(
                  ['NAME', 'VERSION', 'ACTIVE', 'STATE', 'PROCESSED', 'POSITION', 'BEHIND', 'SECONDS', 'DEAD LETTERS'],
                  rows,
                ) + errors.join(''),
        }
      }),
    ),
  )

  const resetLike = (sub: CommandType, rebuild: boolean) =>
    withDatabaseFlags(sub)
      .addOption(new Option('--yes', 'do it (without: print what would happen, exit 2)'))
      .action(
        action<ResetOptions>(shell, async (context, args, options) =>
          onStore(context, options, async (store) => {
            const checkpoint = findProjection(await createSqlProjectionStore(store).list(), ...projectionArg(args[0]))
            const target: ResetTarget =
              options.toPosition === undefined || options.toPosition === 0
                ? { kind: 'start' }
                : { kind: 'position', position: options.toPosition }
            const plan = await planReset(store, checkpoint, target, { rebuild })
            return options.yes ? reported(store, plan) : dryRun(describeReset(plan), { plan: planJson(plan) })
          }),
        ),
      )

  resetLike(
    command
      .command('reset')
      .argument('<name>', 'the projection: name, or name@version (default: the active version, else the highest)')
      .description(
        "Moves a projection version's checkpoint (default: to the start) and clears a failed state, so its runner resumes there. The read model is not cleared (see projections --help).",
      )
      .addHelpText('after', '\nExample:\n  eventcore-cli projections reset users --to-position 1200 --yes\n')
      .addOption(
        new Option('--to-position <n>', 'resume after the event at this global position (0: the start)').argParser(
          wholeNumber,
        ),
      ),
    false,
  )
  resetLike(
    command
      .command('rebuild')
      .argument('<name>', 'the projection: name, or name@version (default: the active version, else the highest)')
      .description(
        'Replays a projection version from the start: reset to the start, failed state cleared, processed count from 0. For a read model whose shape changed, deploy a new projection version instead (see projections --help).',
      )
      .addHelpText('after', '\nExample:\n  eventcore-cli projections rebuild users@2 --yes\n'),
    true,
  )

  command.addCommand(deadLettersCommand(shell))
  return command
}

function planJson(plan: Awaited<ReturnType<typeof planReset>>) {
  const { name, version, cursor, state } = plan.checkpoint
  return { name, version, state, from: cursor, to: plan.to, rebuild: plan.rebuild }
}

async function reported(store: SqlEventStore, plan: Awaited<ReturnType<typeof planReset>>): Promise<Outcome> {
  const move = await applyReset(store, plan)
  if (!move) throw new Error(`the checkpoint of ${plan.checkpoint.name}@${plan.checkpoint.version} vanished`)
  return {
    exitCode: EXIT.ok,
    json: { move },
    text: `${describeReset(plan)}: done.\n${REPLAY_NOTE}\n`,
  }
}
