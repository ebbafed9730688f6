import type { BackupManifest, RetentionPlan, RetentionPolicy } from './backup-types.js'

/**
 * Which backups a policy keeps: the newest `keepLast`, then the newest of each of the last
 * `keepDaily` days, `keepWeekly` weeks and `keepMonthly` months that have one (UTC); a kept
 * incremental keeps the backups it continues. A pure function of the manifests.
 *
 * @example
 * const plan = planRetention(manifests, { keepLast: 3, keepDaily: 7 })
 */
export function planRetention(
  _backups: readonly Pick<BackupManifest, 'id' | 'createdAt' | 'kind' | 'parent'>[],
  _policy: RetentionPolicy,
): RetentionPlan {
  throw new Error('not implemented yet')
}

/** The outcome of {@link pruneBackups}: the plan and what was removed (nothing with `dryRun`). */
export interface PruneResult extends RetentionPlan {
  readonly removed: readonly string[]
}

/**
 * Applies a retention policy to a backup directory: removes the folders of backups the plan does
 * not keep (nothing with `dryRun`). A policy with no number keeps everything.
 *
 * @example
 * await pruneBackups('./backups', { keepDaily: 7, keepWeekly: 4 }, { dryRun: true })
 */
export async function pruneBackups(
  _dir: string,
  _policy: RetentionPolicy,
  _options: { readonly dryRun?: boolean } = {},
): Promise<PruneResult> {
  throw new Error('not implemented yet')
}
