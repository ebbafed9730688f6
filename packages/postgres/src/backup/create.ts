import type { SqlEventStore } from '../sql-store.js'
import type { BackupManifest, BackupProgress } from './backup-types.js'

/** Options of {@link createBackup}. */
export interface CreateBackupOptions {
  /** The backup directory: the backup is written to a new folder in it, named by its id. */
  readonly dir: string
  /** Continue the newest backup of this source in `dir` instead of taking the whole log. */
  readonly incremental?: boolean
  /** Events per chunk file. @default 100000 */
  readonly chunkEvents?: number
  readonly onProgress?: (progress: BackupProgress) => void
}

/** A backup written: its folder and manifest. */
export interface CreatedBackup {
  readonly path: string
  readonly manifest: BackupManifest
}

/**
 * Writes a consistent snapshot of the log (one database snapshot: never half of a transaction)
 * as gzip chunks of event lines in global order, then its manifest. Memory stays flat.
 *
 * @example
 * const { path, manifest } = await createBackup(store, { dir: './backups' })
 */
export async function createBackup(_store: SqlEventStore, _options: CreateBackupOptions): Promise<CreatedBackup> {
  throw new Error('not implemented yet')
}
