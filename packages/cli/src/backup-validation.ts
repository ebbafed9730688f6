import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type BackupManifest,
  type BackupVerification,
  type CreatedBackup,
  createBackup,
  listBackups,
  openPgliteStore,
  type PgliteEventStore,
  planRetention,
  type RetentionPolicy,
  restoreBackup,
  type SqlEventStore,
  verifyBackup,
} from '@eventcore/postgres'
import { countEvents, drillPoint, recordedTimes } from './backup-drill.js'
import { durationText, policyText } from './backup-flags.js'
import { bytesOf, problemLine, rateOf, sizeText } from './backup-report.js'
import type { CheckResult } from './checks.js'
import { messageOf } from './cli-error.js'

/** What `validate backup` checks, and against what. */
export interface BackupValidationOptions {
  /** The database to back up now (its log is what the drills restore). */
  readonly store: SqlEventStore
  /** The directory the scheduled backups go to. */
  readonly dir: string
  /** The oldest the newest backup in `dir` may be. */
  readonly maxAgeMs: number
  /** The retention policy `dir` is pruned by; without one, retention is a warning. */
  readonly policy?: RetentionPolicy
  readonly now: () => Date
  /** Told what runs, for a spinner. */
  readonly onProgress?: (text: string) => void
}

const NAMES = {
  age: 'newest backup age',
  newestVerifies: 'newest backup verifies',
  unreadable: 'unreadable backups',
  create: 'backup create',
  verify: 'backup verify',
  restore: 'restore drill',
  pitr: 'point-in-time drill',
  retention: 'retention',
} as const

/** The names of `validate backup`'s checks, which the checklist judges its items by. */
export const BACKUP_CHECKS = NAMES

const hours = (ms: number) => Math.round((ms / 3_600_000) * 100) / 100
const elapsed = (started: number) => Math.round(performance.now() - started)

/** (a) The newest backup of `dir` is recent and verifies; folders that are no backup are named. */
async function existingBackups(options: BackupValidationOptions, results: CheckResult[]): Promise<BackupManifest[]> {
  const { dir, maxAgeMs, now } = options
  const entries = await listBackups(dir)
  const readable = entries.flatMap((entry) => (entry.ok ? [entry] : []))
  const unreadable = entries.flatMap((entry) => (entry.ok ? [] : [entry]))
  const newest = readable.reduce<(typeof readable)[number] | undefined>(
    (found, entry) =>
      found === undefined || Date.parse(entry.manifest.createdAt) > Date.parse(found.manifest.createdAt)
        ? entry
        : found,
    undefined,
  )
  if (newest === undefined) {
    results.push({
      name: NAMES.age,
      status: 'fail',
      detail: `no backup in ${dir}: schedule eventcore-cli backup create`,
    })
  } else {
    const ageMs = now().getTime() - Date.parse(newest.manifest.createdAt)
    const tooOld = ageMs > maxAgeMs
    results.push({
      name: NAMES.age,
      status: tooOld ? 'fail' : 'pass',
      figure: { value: hours(ageMs), unit: 'h', limit: hours(maxAgeMs) },
      detail: `${newest.id}, ${durationText(ageMs)} old${tooOld ? `: older than --max-age ${durationText(maxAgeMs)}` : ''} (${readable.length} backup(s) in ${dir})`,
    })
    options.onProgress?.(`verifying ${newest.id}`)
    results.push(
      await verifyCheck(NAMES.newestVerifies, newest.path, (report) =>
        report.ok
          ? `${newest.id}: ${report.chunks} chunk(s), ${report.chain.length} backup(s) in its chain, checksums and order ok`
          : `${newest.id}: ${problemsText(report)}`,
      ),
    )
  }
  if (unreadable.length > 0)
    results.push({
      name: NAMES.unreadable,
      status: 'warn',
      figure: { value: unreadable.length, unit: 'folders' },
      detail: unreadable.map((entry) => `${entry.id}: ${entry.problem.kind}: ${entry.problem.detail}`).join('; '),
    })
  return readable.map((entry) => entry.manifest)
}

/** (f) The policy would remove nothing from `dir`: pruning runs. */
function retention(manifests: readonly BackupManifest[], options: BackupValidationOptions): CheckResult {
  try {
    return retentionOf(manifests, options)
  } catch (error) {
    return failed(NAMES.retention, error)
  }
}

function retentionOf(manifests: readonly BackupManifest[], options: BackupValidationOptions): CheckResult {
  const { policy, dir } = options
  if (policy === undefined)
    return {
      name: NAMES.retention,
      status: 'warn',
      detail: 'no policy given (--keep-last, --keep-daily, --keep-weekly, --keep-monthly): not checked',
    }
  const plan = planRetention(manifests, policy)
  return {
    name: NAMES.retention,
    status: plan.remove.length === 0 ? 'pass' : 'fail',
    figure: { value: plan.remove.length, unit: 'backups to prune', limit: 0 },
    detail:
      plan.remove.length === 0
        ? `${manifests.length} backup(s) in ${dir}, each kept by ${policyText(policy)}`
        : `${plan.remove.length} of ${manifests.length} backup(s) should have been pruned (${plan.remove.slice(0, 3).join(', ')}${plan.remove.length > 3 ? ', …' : ''}): run eventcore-cli backup prune --dir ${dir} ${policyText(policy)} --yes`,
  }
}

/** (d) Restores the backup into `scratch` and compares the count and the log's checksum. */
async function restoreDrill(created: CreatedBackup, scratch: SqlEventStore, work: string): Promise<CheckResult> {
  const { manifest, path } = created
  const started = performance.now()
  await restoreBackup(scratch, path)
  const ms = elapsed(started)
  const restored = await countEvents(scratch)
  const again = await createBackup(scratch, { dir: join(work, 'restored') })
  const same = restored === manifest.events && again.manifest.logSha256 === manifest.logSha256
  return {
    name: NAMES.restore,
    status: same ? 'pass' : 'fail',
    figure: { value: ms, unit: 'ms' },
    detail: same
      ? `${restored} events restored into an in-memory PGlite (${rateOf(restored, ms)} events/s), log checksum equal (${manifest.logSha256.slice(0, 12)}…)`
      : `restored ${restored} of ${manifest.events} events; log checksum ${again.manifest.logSha256.slice(0, 12)}… vs the backup's ${manifest.logSha256.slice(0, 12)}…`,
  }
}

/** (e) Restores to the middle event's time and counts what came back against the backup's own times. */
async function pointInTimeDrill(created: CreatedBackup, scratch: SqlEventStore): Promise<CheckResult> {
  const { manifest, path } = created
  if (manifest.events < 2)
    return {
      name: NAMES.pitr,
      status: 'skip',
      detail: `the log has ${manifest.events} event(s): nothing to restore to between`,
    }
  const point = await drillPoint(() => recordedTimes(path), manifest)
  const started = performance.now()
  await restoreBackup(scratch, path, { toTime: point.toTime })
  const ms = elapsed(started)
  const restored = await countEvents(scratch)
  const at = point.toTime.toISOString()
  return {
    name: NAMES.pitr,
    status: restored === point.expected ? 'pass' : 'fail',
    figure: { value: restored, unit: 'events' },
    detail:
      restored === point.expected
        ? `restored to ${at} (the time of event ${point.index + 1} of ${manifest.events}): ${restored} events, exactly those recorded by then, ${ms} ms`
        : `restored to ${at}: ${restored} events, but ${point.expected} of the backup's were recorded at or before it`,
  }
}

const failed = (name: string, error: unknown): CheckResult => ({ name, status: 'fail', detail: messageOf(error) })
const skipped = (name: string, why: string): CheckResult => ({ name, status: 'skip', detail: why })

/**
 * `validate backup`'s checks, each with its measured figure: the newest backup in `dir` is no
 * older than `maxAgeMs` and verifies; a backup of `store` taken now (into a temporary directory,
 * removed after) verifies, restores into an in-memory PGlite with the same count and log
 * checksum, and restores to a time with exactly the events recorded by then; the retention policy
 * leaves nothing to prune in `dir`. A check that cannot run fails with the reason; the ones that
 * need it are skipped.
 *
 * @example
 * const results = await validateBackup({ store, dir: './backups', maxAgeMs: 26 * 3_600_000, now: () => new Date() })
 */
export async function validateBackup(options: BackupValidationOptions): Promise<CheckResult[]> {
  const { store, onProgress } = options
  const results: CheckResult[] = []
  let manifests: BackupManifest[] = []
  try {
    manifests = await existingBackups(options, results)
  } catch (error) {
    results.push(failed(NAMES.age, error))
  }
  const work = await mkdtemp(join(tmpdir(), 'eventcore-validate-backup-'))
  // One in-memory PGlite (creating one costs seconds), a schema per drill.
  let scratch: PgliteEventStore | undefined
  try {
    onProgress?.('backing up the log')
    const started = performance.now()
    let created: CreatedBackup
    try {
      created = await createBackup(store, { dir: join(work, 'backup') })
    } catch (error) {
      results.push(failed(NAMES.create, error))
      for (const name of [NAMES.verify, NAMES.restore, NAMES.pitr]) results.push(skipped(name, 'no backup was taken'))
      return [...results, retention(manifests, options)]
    }
    const ms = elapsed(started)
    const { manifest } = created
    results.push({
      name: NAMES.create,
      status: 'pass',
      figure: { value: rateOf(manifest.events, ms), unit: 'events/s' },
      detail: `${manifest.events} events, ${manifest.streams} streams, ${sizeText(bytesOf(manifest))} in ${manifest.chunks.length} chunk(s), ${ms} ms`,
    })
    onProgress?.('verifying the new backup')
    const verified = await verifyCheck(NAMES.verify, created.path, (report) =>
      report.ok
        ? `${report.chunks} chunk(s): checksums, decoding, stream versions and global order ok`
        : problemsText(report),
    )
    results.push(verified)
    if (verified.status !== 'pass') {
      results.push(
        skipped(NAMES.restore, 'the backup did not verify'),
        skipped(NAMES.pitr, 'the backup did not verify'),
      )
      return [...results, retention(manifests, options)]
    }
    onProgress?.('restoring into an in-memory PGlite')
    try {
      scratch = await openPgliteStore({ dataDir: 'memory://', schema: 'eventcore_restore_drill' })
      results.push(await restoreDrill(created, scratch, work))
    } catch (error) {
      results.push(failed(NAMES.restore, error))
    }
    onProgress?.('restoring to a point in time')
    try {
      if (scratch === undefined) throw new Error('no scratch PGlite')
      const drill = await openPgliteStore({ db: scratch.db, schema: 'eventcore_pitr_drill' })
      try {
        results.push(await pointInTimeDrill(created, drill))
      } finally {
        await drill.close()
      }
    } catch (error) {
      results.push(failed(NAMES.pitr, error))
    }
    return [...results, retention(manifests, options)]
  } finally {
    await scratch?.close().catch(() => {})
    await rm(work, { recursive: true, force: true })
  }
}

/** A check that a backup (and its chain) verifies; its figure is the events checked. */
async function verifyCheck(
  name: string,
  path: string,
  detail: (report: BackupVerification) => string,
): Promise<CheckResult> {
  const report = await verifyBackup(path)
  return {
    name,
    status: report.ok ? 'pass' : 'fail',
    figure: { value: report.events, unit: 'events' },
    detail: detail(report),
  }
}

const problemsText = (report: BackupVerification) => report.problems.slice(0, 3).map(problemLine).join('; ')
