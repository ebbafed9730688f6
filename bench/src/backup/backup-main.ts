/**
 * `npm run bench:backup`: backup and restore of a large event log (1,000,000 events by default,
 * and a tenth of it first, to show memory stays flat), each operation in a child process of its
 * own for its peak RSS, beside `pg_dump -Fc` and `pg_restore` of the same schema as the anchor.
 * Works in fresh databases named `bench_<start time>_<size>_*` and a temporary directory, dropped
 * and removed at the end, also on failure and on Ctrl-C.
 *
 * Settings: `EVENTCORE_BENCH_BACKUP_EVENTS`, `EVENTCORE_BENCH_BACKUP_SMALL_EVENTS`,
 * `EVENTCORE_BENCH_BACKUP_PGLITE_EVENTS` and the benchmark's database variables (see
 * `backup-settings.ts` and `bench/README.md`).
 *
 * @module
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { openPostgresStore } from '@eventcore/postgres'
import { errorMessage } from '../error-message.js'
import { formatRate } from '../report/table.js'
import { redactUrl } from '../settings.js'
import { runPrefix } from '../stores/namespaces.js'
import { connectAdmin, type PostgresAdmin } from '../stores/postgres-admin.js'
import { type BackupRow, type Measured, renderBackupReport } from './backup-report.js'
import { type BackupBenchSettings, readBackupSettings } from './backup-settings.js'
import type { ChildReport } from './child-task.js'
import { databaseBytes, fillLog, type LogShape, logProblem, readLogShape, SCHEMA } from './fill.js'
import { runChild, runTool } from './processes.js'

const print = (line = '') => process.stdout.write(`${line}\n`)
const progress = (text: string) => process.stderr.write(text)
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/**
 * Longest run of one operation's child: 30 s (Node, opening the store: a new PGlite takes seconds),
 * plus 0.1 ms per event (10,000 events/s, a fifth of the slowest target), so a run at 1,000,000
 * events stays within minutes. A child stopped there is reported with the part it did.
 */
const timeoutFor = (events: number) => 30_000 + events * 0.1

/** The time each phase of the run took, printed at the end. */
interface Phase {
  readonly name: string
  readonly ms: number
}

/** Disk usage of a file or a directory tree, in bytes. */
async function bytesOf(target: string): Promise<number> {
  const info = await stat(target)
  if (!info.isDirectory()) return info.size
  const names = await readdir(target, { recursive: true })
  const infos = await Promise.all(names.map((name) => stat(path.join(target, name))))
  return infos.reduce((sum, entry) => sum + (entry.isFile() ? entry.size : 0), 0)
}

/** One size's measurements: fill, anchor, ours; every database and file of it gone at the end. */
async function measureSize(context: {
  readonly settings: BackupBenchSettings
  readonly admin: PostgresAdmin
  readonly prefix: string
  readonly tmp: string
  readonly size: number
  readonly phase: <T>(name: string, work: () => Promise<T>) => Promise<T>
}): Promise<{ rows: BackupRow[]; shape: LogShape }> {
  const { admin, prefix, tmp, size, phase, settings } = context
  const label = formatRate(size)
  const name = (role: string) => `${prefix}_${size}_${role}`
  const timeout = timeoutFor(size)
  const rows: BackupRow[] = []
  const row = (
    operation: BackupRow['operation'],
    tool: string,
    role: BackupRow['role'],
    outcome: BackupRow['outcome'],
    note?: string,
  ) => rows.push({ size, operation, tool, role, outcome, ...(note === undefined ? {} : { note }) })
  /** A restored database: checked whole, measured on disk, dropped. */
  const checkRestored = async (url: string, database: string) => {
    const problem = logProblem(await readLogShape(url), size)
    const bytes = await databaseBytes(url)
    await admin.dropDatabases(database)
    if (problem) throw new Error(`the restored log is not the original: ${problem}`)
    return bytes
  }
  /** Runs a row's work; a failure becomes an n/a row with the reason, and the run goes on. */
  const attempt = async (add: (outcome: BackupRow['outcome']) => void, work: () => Promise<Measured>) => {
    try {
      add(await work())
    } catch (error) {
      add({ missing: errorMessage(error) })
    }
  }
  /**
   * Our row from the child's report; stopped at the time limit, the part done in the library's
   * `phase` (a restore first verifies the backup: those events are not restored ones).
   */
  const ours = (report: ChildReport, bytes: number | undefined, phase: string): Measured => {
    if (report.ok) return { events: report.events, ms: report.ms, maxRssKiB: report.maxRssKiB, bytes }
    const done = report.progress
    if (!report.timedOut || done?.phase !== phase || done.events === 0) throw new Error(report.error)
    const maxRssKiB = Number.isFinite(report.maxRssKiB) ? report.maxRssKiB : undefined
    return { events: done.events, ms: done.ms, maxRssKiB, bytes: undefined, unfinishedOf: size }
  }

  const source = await admin.createDatabase(name('source'))
  await phase(`${label}: migrate the source database`, async () => {
    const store = await openPostgresStore({ connectionString: source, poolSize: 1 })
    await store.close()
  })
  await phase(`${label}: fill ${label} events (2 connections, server side)`, () => fillLog(source, size))
  const shape = await phase(`${label}: check the fill`, () => readLogShape(source))
  const problem = logProblem(shape, size)
  if (problem) throw new Error(`the fill went wrong: ${problem}`)

  // The anchor: PostgreSQL's own tools on the same schema.
  const dump = path.join(tmp, `${size}.dump`)
  await attempt(
    (outcome) => row('backup', `pg_dump -Fc -n ${SCHEMA}`, 'anchor', outcome),
    () =>
      phase(`${label}: pg_dump`, async () => {
        const run = await runTool('pg_dump', ['-Fc', '-n', SCHEMA, '-f', dump, '-d', source], timeout)
        return { events: size, ms: run.ms, maxRssKiB: run.maxRssKiB, bytes: await bytesOf(dump) }
      }),
  )
  await attempt(
    (outcome) => row('restore', 'pg_restore → PostgreSQL', 'anchor', outcome, 'into an empty database'),
    () =>
      phase(`${label}: pg_restore, then check and drop the copy`, async () => {
        const database = name('pg_restore')
        const target = await admin.createDatabase(database)
        const run = await runTool('pg_restore', ['-d', target, dump], timeout)
        return { events: size, ms: run.ms, maxRssKiB: run.maxRssKiB, bytes: await checkRestored(target, database) }
      }),
  )
  await rm(dump, { force: true })

  // Ours, each in a child process.
  let backupPath: string | undefined
  await attempt(
    (outcome) => row('backup', 'createBackup', 'us', outcome),
    () =>
      phase(`${label}: createBackup`, async () => {
        const report = await runChild(
          { op: 'create', databaseUrl: source, dir: path.join(tmp, `${size}-backups`) },
          timeout,
        )
        if (report.ok) backupPath = report.path
        return ours(report, backupPath === undefined ? undefined : await bytesOf(backupPath), 'create')
      }),
  )
  await admin.dropDatabases(name('source'))
  const backup = backupPath
  const noBackup = { missing: 'no backup to read (createBackup failed)' }
  if (backup === undefined) {
    row('verify', 'verifyBackup', 'us', noBackup)
    row('restore', 'restoreBackup → PostgreSQL', 'us', noBackup)
    row('restore', 'restoreBackup → PGlite', 'embedded', noBackup)
    return { rows, shape }
  }
  await attempt(
    (outcome) => row('verify', 'verifyBackup', 'us', outcome),
    () =>
      phase(`${label}: verifyBackup`, async () =>
        ours(await runChild({ op: 'verify', path: backup }, timeout), undefined, 'verify'),
      ),
  )
  await attempt(
    (outcome) => row('restore', 'restoreBackup → PostgreSQL', 'us', outcome, 'into an empty, migrated database'),
    () =>
      phase(`${label}: restoreBackup into PostgreSQL, then check and drop the copy`, async () => {
        const database = name('restore')
        const target = await admin.createDatabase(database)
        const report = await runChild({ op: 'restore-postgres', databaseUrl: target, path: backup }, timeout)
        if (!report.ok) await admin.dropDatabases(database)
        return ours(report, report.ok ? await checkRestored(target, database) : undefined, 'restore')
      }),
  )
  if (size <= settings.pgliteMaxEvents) {
    await attempt(
      (outcome) =>
        row('restore', 'restoreBackup → PGlite', 'embedded', outcome, 'data directory on disk; RSS holds the database'),
      () =>
        phase(`${label}: restoreBackup into PGlite`, async () => {
          const dataDir = path.join(tmp, `${size}-pglite`)
          try {
            const report = await runChild({ op: 'restore-pglite', dataDir, path: backup }, timeout)
            if (report.ok && report.counted !== size)
              throw new Error(`PGlite holds ${report.counted} events after the restore, not ${size}`)
            return ours(report, report.ok ? await bytesOf(dataDir) : undefined, 'restore')
          } finally {
            await rm(dataDir, { recursive: true, force: true })
          }
        }),
    )
  } else {
    row('restore', 'restoreBackup → PGlite', 'embedded', {
      missing: `skipped above EVENTCORE_BENCH_BACKUP_PGLITE_EVENTS (${formatRate(settings.pgliteMaxEvents)})`,
    })
  }
  await rm(path.dirname(backup), { recursive: true, force: true })
  return { rows, shape }
}

async function main(): Promise<void> {
  const started = performance.now()
  let settings: BackupBenchSettings
  try {
    settings = readBackupSettings(process.env)
  } catch (error) {
    progress(`${errorMessage(error)}\n`)
    process.exitCode = 2
    return
  }
  const connected = await connectAdmin(settings.databaseUrl)
  if ('unreachable' in connected) {
    progress(`PostgreSQL is not reachable at ${redactUrl(settings.databaseUrl)}: ${connected.unreachable}\n`)
    process.exitCode = 2
    return
  }
  const admin = connected
  const prefix = runPrefix(new Date())
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'eventcore-bench-backup-'))
  let cleaning: Promise<void> | undefined
  const cleanup = () => {
    cleaning ??= (async () => {
      await rm(tmp, { recursive: true, force: true })
      const dropped = await admin.dropDatabases(`${prefix}_`)
      await admin.close()
      if (dropped.length > 0) progress(`dropped ${dropped.length} databases left by a failure: ${dropped.join(', ')}\n`)
    })()
    return cleaning
  }
  const stop = (code: number) => {
    progress("\nstopping: dropping this run's databases and removing its files…\n")
    cleanup()
      .catch((error: unknown) => progress(`cleanup failed: ${errorMessage(error)}\n`))
      .finally(() => process.exit(code))
  }
  process.once('SIGINT', () => stop(130))
  process.once('SIGTERM', () => stop(143))

  const phases: Phase[] = []
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    progress(`${name}… `)
    const began = performance.now()
    try {
      return await work()
    } finally {
      const ms = performance.now() - began
      phases.push({ name, ms })
      progress(`${seconds(ms)}\n`)
    }
  }

  print(
    `EventCore backup benchmark · Node ${process.version} · ${os.cpus().length} CPUs · ${os.platform()} ${os.arch()}`,
  )
  print(
    `${admin.serverVersion} at ${redactUrl(settings.databaseUrl)}; this run's databases: ${prefix}_*; files in ${tmp}`,
  )
  print(`Log sizes: ${settings.sizes.map(formatRate).join(' and ')} events.`)
  try {
    const rows: BackupRow[] = []
    const notes: string[] = []
    for (const size of settings.sizes) {
      const measured = await measureSize({ settings, admin, prefix, tmp, size, phase })
      rows.push(...measured.rows)
      const { shape } = measured
      notes.push(
        `the log of ${formatRate(size)}: ${formatRate(shape.transactions)} transactions over ${formatRate(shape.streams)} streams, ` +
          `data ${shape.dataBytes} and metadata ${shape.metadataBytes} bytes of JSON on average, every stream contiguous`,
      )
    }
    notes.push(
      'ours: the operation alone, timed inside its own child process (Node start, opening the store and migrations not included); peak RSS is that process’s maxRSS',
      'anchor: the tool’s process from spawn to exit, peak RSS by GNU time; pg_restore runs one job, loads by COPY and builds the indexes after; restoreBackup inserts into a migrated schema whose indexes are in place',
      'vs anchor: our events/s divided by the anchor’s of the same operation and size (> 1: faster); the server’s own memory is in no RSS figure',
      'on disk: the backup directory or dump file; for restores, the restored database (pg_database_size) or PGlite’s data directory',
      'every restore is checked before it counts: as many events as the log, every stream contiguous (PGlite: the count)',
    )
    print()
    print(renderBackupReport(rows, notes))
    print()
    print('Phases:')
    for (const { name, ms } of phases) print(`  ${seconds(ms).padStart(8)}  ${name}`)
    if (rows.some((row) => 'missing' in row.outcome && !row.outcome.missing.startsWith('skipped'))) process.exitCode = 1
  } finally {
    await cleanup()
  }
  print(`Done in ${seconds(performance.now() - started)}.`)
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:backup failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  process.exitCode = 1
})
