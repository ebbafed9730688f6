/**
 * The child process of `npm run bench:backup`: runs one backup operation (its task, JSON, is the
 * first argument), then prints its report as one JSON line: the operation's own time and the
 * process's peak RSS, which is why each operation gets a process of its own.
 *
 * @module
 */
import {
  type BackupProgress,
  createBackup,
  openPgliteStore,
  openPostgresStore,
  restoreBackup,
  verifyBackup,
} from '@eventcore/postgres'
import { errorMessage } from '../error-message.js'
import { type ChildReport, type ChildTask, progressLine } from './child-task.js'

const maxRssKiB = () => process.resourceUsage().maxRSS

/** Writes the library's progress to stderr, timed from `started`, for a run stopped at the time limit. */
const reporter =
  (started: number) =>
  (progress: BackupProgress): void => {
    process.stderr.write(
      progressLine({ phase: progress.phase, events: progress.events, ms: performance.now() - started }),
    )
  }

/** Opens what the task needs (not timed), times the operation, closes. */
async function run(task: ChildTask): Promise<ChildReport> {
  const opening = performance.now()
  switch (task.op) {
    case 'verify': {
      const started = performance.now()
      const verification = await verifyBackup(task.path, { onProgress: reporter(started) })
      const ms = performance.now() - started
      if (!verification.ok)
        return { ok: false, error: `verify found ${verification.problems.length} problems`, maxRssKiB: maxRssKiB() }
      return { ok: true, ms, openMs: 0, maxRssKiB: maxRssKiB(), events: verification.events }
    }
    case 'create': {
      const store = await openPostgresStore({ connectionString: task.databaseUrl, poolSize: 2, statementTimeoutMs: 0 })
      try {
        const openMs = performance.now() - opening
        const started = performance.now()
        const { path, manifest } = await createBackup(store, { dir: task.dir, onProgress: reporter(started) })
        const ms = performance.now() - started
        return { ok: true, ms, openMs, maxRssKiB: maxRssKiB(), events: manifest.events, path }
      } finally {
        await store.close()
      }
    }
    case 'restore-postgres':
    case 'restore-pglite': {
      const store =
        task.op === 'restore-postgres'
          ? await openPostgresStore({ connectionString: task.databaseUrl, poolSize: 2, statementTimeoutMs: 0 })
          : await openPgliteStore({ dataDir: task.dataDir })
      try {
        const openMs = performance.now() - opening
        const started = performance.now()
        const result = await restoreBackup(store, task.path, { onProgress: reporter(started) })
        const ms = performance.now() - started
        const [row] = await store.driver.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${store.schema.quoted}.events`,
        )
        return { ok: true, ms, openMs, maxRssKiB: maxRssKiB(), events: result.events, counted: row?.n ?? 0 }
      } finally {
        await store.close()
      }
    }
  }
}

const task = JSON.parse(process.argv[2] ?? 'null') as ChildTask
run(task)
  .catch((error: unknown): ChildReport => ({ ok: false, error: errorMessage(error), maxRssKiB: maxRssKiB() }))
  .then((report) => process.stdout.write(`${JSON.stringify(report)}\n`))
