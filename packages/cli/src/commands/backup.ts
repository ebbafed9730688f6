import { existsSync, statSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import {
  appliedMigrations,
  type BackupProgress,
  createBackup,
  listBackups,
  MANIFEST_FILE,
  migrate,
  pruneBackups,
  restoreBackup,
  verifyBackup,
} from '@eventcore/postgres'
import { Command, Option } from 'commander'
import {
  backupDir,
  isoTime,
  type RetentionFlags,
  retentionPolicy,
  wholeNumber,
  withRetentionFlags,
} from '../backup-flags.js'
import {
  createdText,
  entryJson,
  listText,
  onBackupError,
  pruneText,
  rateOf,
  restoredText,
  verificationText,
} from '../backup-report.js'
import { type DatabaseFlags, requireMigrated, withDatabase, withDatabaseFlags } from '../database-command.js'
import { EXIT } from '../exit-code.js'
import { action, positiveInteger, type Shell, usage } from '../shell.js'

interface CreateFlags extends DatabaseFlags {
  readonly out?: string
  readonly incremental?: boolean
  readonly chunkEvents?: number
}

interface RestoreFlags extends DatabaseFlags {
  readonly toPosition?: number
  readonly toTime?: Date
  readonly resume?: boolean
}

interface PruneFlags extends RetentionFlags {
  readonly dir?: string
  readonly dryRun?: boolean
  readonly yes?: boolean
}

const progressText = ({ phase, events, total }: BackupProgress) =>
  `${phase}: ${events}${total === undefined ? '' : ` of ${total}`} events`

/** A backup's folder or its manifest.json; one clear line for anything else, before any database opens. */
function backupPath(cwd: string, path: string | undefined): string {
  const full = resolve(cwd, path ?? '')
  if (!existsSync(full)) throw usage(`${full}: no such file or directory`)
  const manifest = statSync(full).isDirectory() ? join(full, MANIFEST_FILE) : full
  if (basename(manifest) !== MANIFEST_FILE || !existsSync(manifest))
    throw usage(`${full}: not a backup (no ${MANIFEST_FILE})`)
  return full
}

const HELP = `
A backup is a folder <dir>/<id>/ (ids like 20261202T141500123Z-full, sorting by time) holding
manifest.json and chunk-000001.ndjson.gz…: the log's events in global order, as of one database
snapshot, with a SHA-256 per chunk and over the whole. The directory is --out/--dir, else
EVENTCORE_BACKUP_DIR, else ./backups. The format and the operator's guide: docs/operations/backup.md.

Exit codes: 0 done (verify: no problem); 1 verify or restore found the backup invalid (each problem
on a line: kind, file:line, detail); 2 bad usage, a path that is no backup, a restore target that
already has events (nothing is changed), no database connection.

Examples:
  eventcore-cli backup create --out /var/backups/eventcore
  eventcore-cli backup verify /var/backups/eventcore/20261202T141500123Z-full --deep
  eventcore-cli backup restore ./backups/20261202T141500123Z-full --data-dir ./restored --to-time 2026-12-02T14:00:00Z
  eventcore-cli backup prune --keep-daily 7 --keep-weekly 4 --keep-monthly 6 --yes
`

/** `eventcore-cli backup …`: logical backups of the event log (create, verify, restore, list, prune). */
export function backupCommand(shell: Shell): Command {
  const command = new Command('backup')
    .description('Logical backups of the event log: create, verify, restore (to a position or a time), list, prune.')
    .addHelpText('after', HELP)

  withDatabaseFlags(
    command
      .command('create')
      .description(
        'Writes a consistent snapshot of the log (one database snapshot) as gzip chunks and a manifest into a new folder of the backup directory; --incremental continues the newest backup of this database there.',
      )
      .addOption(new Option('--out <dir>', 'the backup directory (default: EVENTCORE_BACKUP_DIR, else ./backups)'))
      .addOption(new Option('--incremental', 'only what committed since the newest backup of this database in <dir>'))
      .addOption(new Option('--chunk-events <n>', 'events per chunk file (default 100000)').argParser(positiveInteger))
      .addHelpText(
        'after',
        `
Prints the backup's id, path, events, streams, transactions, chunks, size and events/s; progress on
stderr when it is a terminal. Safe while the service runs on PostgreSQL; the embedded PGlite
allows one process, so stop the service first (or back up through its PostgreSQL).

Examples:
  eventcore-cli backup create --out /var/backups/eventcore
  eventcore-cli backup create --incremental --database-url "$EVENTCORE_DATABASE_URL" --json
`,
      ),
  ).action(
    action<CreateFlags>(shell, async (context, _args, options) =>
      onBackupError(() =>
        withDatabase(context, options, { migrate: 'inspect' }, async (opened) => {
          await requireMigrated(opened)
          const dir = backupDir(context.io, options.out)
          const started = performance.now()
          const { path, manifest } = await context.output.spin(`backing up ${opened.location}`, (update) =>
            createBackup(opened.store, {
              dir,
              incremental: options.incremental === true,
              ...(options.chunkEvents === undefined ? {} : { chunkEvents: options.chunkEvents }),
              onProgress: (progress) => update(progressText(progress)),
            }),
          )
          const durationMs = performance.now() - started
          return {
            exitCode: EXIT.ok,
            json: {
              path,
              manifest,
              durationMs: Math.round(durationMs),
              eventsPerSecond: rateOf(manifest.events, durationMs),
            },
            text: createdText(path, manifest, durationMs),
          }
        }),
      ),
    ),
  )

  command
    .command('verify')
    .argument('<path>', "a backup's folder (or its manifest.json)")
    .description(
      'Checks a backup and every backup it continues: checksums, every event decodes, stream versions contiguous, global order increasing, counts as stated; --deep also restores it into an in-memory PGlite and compares.',
    )
    .addOption(new Option('--deep', 'also restore into an in-memory PGlite and compare counts and checksums'))
    .addHelpText(
      'after',
      `
Exit codes: 0 no problem; 1 problems, one line each: kind, file:line, detail; 2 not a backup.

Examples:
  eventcore-cli backup verify ./backups/20261202T141500123Z-full
  eventcore-cli backup verify ./backups/20261203T020000000Z-incremental --deep --json
`,
    )
    .action(
      action<{ deep?: boolean }>(shell, async ({ io, output }, args, options) =>
        onBackupError(async () => {
          const path = backupPath(io.cwd, args[0])
          const report = await output.spin(`verifying ${path}`, (update) =>
            verifyBackup(path, { deep: options.deep === true, onProgress: (p) => update(progressText(p)) }),
          )
          return {
            exitCode: report.ok ? EXIT.ok : EXIT.failed,
            json: report,
            text: verificationText(report, output.colors),
          }
        }),
      ),
    )

  withDatabaseFlags(
    command
      .command('restore')
      .argument('<path>', "a backup's folder (or its manifest.json); an incremental brings the backups it continues")
      .description(
        'Restores a backup into an empty store (a new PGlite directory is created; an unmigrated schema is migrated), keeping ids, versions, positions, metadata and times; resets projections. A store with events is refused and left untouched.',
      )
      .addOption(
        new Option('--to-position <n>', 'restore only events at or before this global position').argParser(wholeNumber),
      )
      .addOption(
        new Option('--to-time <time>', 'restore only events recorded at or before this ISO 8601 time (with its zone)')
          .argParser(isoTime)
          .conflicts('toPosition'),
      )
      .addOption(
        new Option(
          '--resume',
          'go on with a restore that stopped part-way (same backup, same options): the store must hold its first transactions',
        ),
      )
      .addHelpText(
        'after',
        `
The backup is verified first. Projection checkpoints are reset to the start (transaction ids differ
between databases): the service's projections rebuild when it starts. A restore into a store that
already has events exits 2 and changes nothing. A restore cut off by its database (exit 2, "the
restore stopped after …") leaves the backup's first transactions, whole: run it again with --resume.

Examples:
  eventcore-cli backup restore ./backups/20261202T141500123Z-full --data-dir ./restored
  eventcore-cli backup restore ./backups/20261203T020000000Z-incremental \\
    --database-url postgres://migrator@db.internal:5432/app --to-time 2026-12-02T14:00:00Z
`,
      ),
  ).action(
    action<RestoreFlags>(shell, async (context, args, options) =>
      onBackupError(async () => {
        const path = backupPath(context.io.cwd, args[0])
        return withDatabase(context, options, { migrate: 'inspect', create: true }, async (opened) => {
          // A new target gets the schema; one with migrations must be up to date, and is not changed here.
          const applied = await appliedMigrations(opened.store.driver, opened.store.schema)
          if (applied.length === 0) await migrate(opened.store.driver, opened.store.schema)
          else await requireMigrated(opened)
          const result = await context.output.spin(`restoring ${path}`, (update) =>
            restoreBackup(opened.store, path, {
              ...(options.toPosition === undefined ? {} : { toPosition: options.toPosition }),
              ...(options.toTime === undefined ? {} : { toTime: options.toTime }),
              resume: options.resume === true,
              onProgress: (progress) => update(progressText(progress)),
            }),
          )
          return {
            exitCode: EXIT.ok,
            json: { path, target: opened.location, ...result },
            text: restoredText(path, opened.location, result),
          }
        })
      }),
    ),
  )

  command
    .command('list')
    .description(
      'Lists the backups of a directory, oldest first: id, kind, created, events, streams, positions, size; a folder that is not a readable backup shows its problem.',
    )
    .addOption(new Option('--dir <dir>', 'the backup directory (default: EVENTCORE_BACKUP_DIR, else ./backups)'))
    .addHelpText(
      'after',
      '\nExamples:\n  eventcore-cli backup list\n  eventcore-cli backup list --dir /var/backups/eventcore --json\n',
    )
    .action(
      action<{ dir?: string }>(shell, async ({ io }, _args, options) =>
        onBackupError(async () => {
          const dir = backupDir(io, options.dir)
          const entries = await listBackups(dir)
          return { exitCode: EXIT.ok, json: { dir, backups: entries.map(entryJson) }, text: listText(dir, entries) }
        }),
      ),
    )

  withRetentionFlags(
    command
      .command('prune')
      .description(
        'Removes the backups a retention policy does not keep (restic semantics, UTC days, ISO weeks); a kept incremental keeps the backups it continues. Removing needs --yes.',
      )
      .addOption(new Option('--dir <dir>', 'the backup directory (default: EVENTCORE_BACKUP_DIR, else ./backups)'))
      .addOption(new Option('--dry-run', 'list what would be removed, remove nothing (exit 0)'))
      .addOption(new Option('--yes', 'remove them (without: list them, exit 2)')),
  )
    .addHelpText(
      'after',
      `
Each rule counts on its own, newest first: --keep-last n keeps the n newest; --keep-daily n the
newest backup of each of the last n days that have one (UTC); --keep-weekly and --keep-monthly the
same per ISO week and month. A backup kept by any rule stays. Only whole backup folders are removed;
a folder that is not a readable backup is never touched. At least one --keep-* is required.

Examples:
  eventcore-cli backup prune --keep-daily 7 --keep-weekly 4 --dry-run
  eventcore-cli backup prune --dir /var/backups/eventcore --keep-last 3 --keep-daily 7 --keep-monthly 12 --yes
`,
    )
    .action(
      action<PruneFlags>(shell, async ({ io }, _args, options) =>
        onBackupError(async () => {
          const policy = retentionPolicy(options)
          if (policy === undefined)
            throw usage(
              'give a retention policy: at least one of --keep-last, --keep-daily, --keep-weekly, --keep-monthly',
            )
          if (options.dryRun && options.yes) throw usage('give --dry-run or --yes, not both')
          const dir = backupDir(io, options.dir)
          const dryRun = options.yes !== true
          const result = await pruneBackups(dir, policy, { dryRun })
          const json = { dir, policy, dryRun, ...result }
          if (!dryRun || options.dryRun || result.remove.length === 0)
            return { exitCode: EXIT.ok, json, text: pruneText(result, { dryRun }) }
          return {
            exitCode: EXIT.error,
            json,
            text: `${pruneText(result, { dryRun })}Nothing removed: add --yes to remove them (--dry-run only lists them).\n`,
          }
        }),
      ),
    )
  return command
}
