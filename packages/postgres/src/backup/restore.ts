import type { SqlEventStore } from '../sql-store.js'
import type { BackupProgress, RestoreResult } from './backup-types.js'

/** Options of {@link restoreBackup}. */
export interface RestoreBackupOptions {
  /** Restore only events at or before this global position. */
  readonly toPosition?: number
  /** Restore only events recorded at or before this time. */
  readonly toTime?: Date
  readonly onProgress?: (progress: BackupProgress) => void
}

/**
 * Restores a backup (and the backups it continues) into an empty store, keeping ids, versions,
 * positions, metadata and times; one original transaction becomes one transaction. Verifies the
 * chain first; refuses a store that has events (BackupError 'target-not-empty'), changing nothing.
 *
 * @example
 * const result = await restoreBackup(store, './backups/20261202T141500123Z-full', { toTime: new Date('2026-12-02T14:00:00Z') })
 */
export async function restoreBackup(
  _store: SqlEventStore,
  _path: string,
  _options: RestoreBackupOptions = {},
): Promise<RestoreResult> {
  throw new Error('not implemented yet')
}
