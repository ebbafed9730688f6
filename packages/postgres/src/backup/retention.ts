import { rm } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { BackupError, type BackupManifest, type RetentionPlan, type RetentionPolicy } from './backup-types.js'
import { listBackups } from './repository.js'

/** What {@link planRetention} reads of a manifest. */
type Planned = Pick<BackupManifest, 'id' | 'createdAt' | 'kind' | 'parent'>

/** A rule of a policy: how many to keep, the bucket a backup falls in, and the reason it gives. */
interface Rule {
  readonly count: number
  readonly bucket: (createdAt: Date, rank: number) => string
  readonly reason: (bucket: string) => string
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

const utcDay = (at: Date) => `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`
const utcMonth = (at: Date) => `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}`

/** `2026-W49`: the ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()))
  const weekday = day.getUTCDay() || 7
  // The Thursday of this week decides the week's year.
  day.setUTCDate(day.getUTCDate() + 4 - weekday)
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1)
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7)
  return `${day.getUTCFullYear()}-W${pad(week)}`
}

function checkedCount(name: keyof RetentionPolicy, value: number | undefined): number {
  if (value === undefined) return 0
  if (!Number.isSafeInteger(value) || value < 0)
    throw new BackupError('bad-option', `${name} must be a whole number ≥ 0, got ${value}`)
  return value
}

function rulesOf(policy: RetentionPolicy): Rule[] {
  return [
    {
      count: checkedCount('keepLast', policy.keepLast),
      bucket: (_, rank) => String(rank),
      reason: (rank) => `last ${rank}`,
    },
    { count: checkedCount('keepDaily', policy.keepDaily), bucket: utcDay, reason: (day) => `daily ${day}` },
    { count: checkedCount('keepWeekly', policy.keepWeekly), bucket: isoWeek, reason: (week) => `weekly ${week}` },
    {
      count: checkedCount('keepMonthly', policy.keepMonthly),
      bucket: utcMonth,
      reason: (month) => `monthly ${month}`,
    },
  ]
}

function createdAtOf(backup: Planned): Date {
  const at = new Date(backup.createdAt)
  if (Number.isNaN(at.getTime()))
    throw new BackupError('bad-option', `backup ${backup.id} has no valid createdAt: ${backup.createdAt}`)
  return at
}

/**
 * Which backups a policy keeps: the newest `keepLast`, then the newest of each of the last
 * `keepDaily` days, `keepWeekly` weeks and `keepMonthly` months that have one (UTC); a kept
 * incremental keeps the backups it continues. A pure function of the manifests.
 *
 * Each rule counts on its own, newest first, as restic's `forget` does: one backup can be kept by
 * several rules and counts towards each (`last 1`, `daily 2026-12-02`, …). `last n` is the n-th
 * newest. A policy whose numbers are all missing or 0 keeps everything. Days are UTC days, weeks
 * ISO 8601 weeks (Monday first, `2026-W49`), months UTC months.
 *
 * @example
 * const plan = planRetention(manifests, { keepLast: 3, keepDaily: 7 })
 */
export function planRetention(backups: readonly Planned[], policy: RetentionPolicy): RetentionPlan {
  const rules = rulesOf(policy)
  const newestFirst = backups
    .map((backup) => ({ backup, at: createdAtOf(backup) }))
    .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.backup.id < b.backup.id ? 1 : -1))
  const reasons = new Map<string, string[]>(newestFirst.map(({ backup }) => [backup.id, []]))
  if (rules.every((rule) => rule.count === 0)) {
    return { keep: newestFirst.map(({ backup }) => ({ id: backup.id, reasons: ['no policy'] })), remove: [] }
  }
  for (const rule of rules) {
    let left = rule.count
    let last: string | undefined
    newestFirst.forEach(({ backup, at }, index) => {
      if (left === 0) return
      const bucket = rule.bucket(at, index + 1)
      if (bucket === last) return
      last = bucket
      left -= 1
      reasons.get(backup.id)?.push(rule.reason(bucket))
    })
  }
  // A kept incremental is useless without every backup it continues (newest first: a child before its parent).
  const byId = new Map(newestFirst.map(({ backup }) => [backup.id, backup]))
  for (const { backup } of newestFirst) {
    if ((reasons.get(backup.id) ?? []).length === 0 || backup.kind !== 'incremental' || backup.parent === null) continue
    let child = backup
    let parent = byId.get(backup.parent)
    while (parent !== undefined) {
      const parentReasons = reasons.get(parent.id) ?? []
      if (parentReasons.includes(`parent of ${child.id}`)) break
      parentReasons.push(`parent of ${child.id}`)
      child = parent
      parent = parent.kind === 'incremental' && parent.parent !== null ? byId.get(parent.parent) : undefined
    }
  }
  const keep = newestFirst
    .filter(({ backup }) => (reasons.get(backup.id) ?? []).length > 0)
    .map(({ backup }) => ({ id: backup.id, reasons: reasons.get(backup.id) ?? [] }))
  const remove = newestFirst.filter(({ backup }) => reasons.get(backup.id)?.length === 0).map(({ backup }) => backup.id)
  return { keep, remove }
}

/** The outcome of {@link pruneBackups}: the plan and what was removed (nothing with `dryRun`). */
export interface PruneResult extends RetentionPlan {
  readonly removed: readonly string[]
}

/** A backup's folder in `dir`, refusing any id that is not a plain folder name (no `/`, `..`, …). */
function folderOf(dir: string, id: string): string {
  const folder = resolve(dir, id)
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id) || basename(folder) !== id || dirname(folder) !== resolve(dir))
    throw new BackupError('bad-option', `refusing to remove ${JSON.stringify(id)}: not a plain backup name`)
  return folder
}

/**
 * Applies a retention policy to a backup directory: removes the folders of backups the plan does
 * not keep (nothing with `dryRun`). A policy with no number keeps everything. Only readable
 * backups are planned and removed: a folder that is not one is left alone. Backups go newest
 * first, so an interrupted prune never leaves a kept incremental without its parent.
 *
 * @example
 * await pruneBackups('./backups', { keepDaily: 7, keepWeekly: 4 }, { dryRun: true })
 */
export async function pruneBackups(
  dir: string,
  policy: RetentionPolicy,
  options: { readonly dryRun?: boolean } = {},
): Promise<PruneResult> {
  const entries = await listBackups(dir)
  const readable = entries.flatMap((entry) => (entry.ok ? [entry] : []))
  const plan = planRetention(
    readable.map((entry) => entry.manifest),
    policy,
  )
  const folders = plan.remove.map((id) => {
    const entry = readable.find((candidate) => candidate.manifest.id === id)
    if (entry?.id !== id)
      throw new BackupError('bad-option', `refusing to remove ${id}: its folder is named ${entry?.id ?? '(none)'}`)
    return { id, folder: folderOf(dir, id) }
  })
  if (options.dryRun) return { ...plan, removed: [] }
  const removed: string[] = []
  for (const { id, folder } of folders) {
    try {
      await rm(folder, { recursive: true })
    } catch (error) {
      throw new BackupError(
        'io',
        `could not remove ${folder}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      )
    }
    removed.push(id)
  }
  return { ...plan, removed }
}
