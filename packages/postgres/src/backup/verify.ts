import type { BackupProgress, BackupVerification } from './backup-types.js'

/** Options of {@link verifyBackup}. */
export interface VerifyBackupOptions {
  /** Also restore the chain into an in-memory PGlite and compare counts and checksums. */
  readonly deep?: boolean
  readonly onProgress?: (progress: BackupProgress) => void
}

/**
 * Checks a backup (a backup's folder or its manifest.json) and every backup it continues:
 * checksums, every line decodes, streams contiguous, global order increasing, counts as stated.
 * Problems are returned, not thrown; a path that is no backup at all throws a BackupError.
 *
 * @example
 * const report = await verifyBackup('./backups/20261202T141500123Z-full', { deep: true })
 * if (!report.ok) console.error(report.problems)
 */
export async function verifyBackup(_path: string, _options: VerifyBackupOptions = {}): Promise<BackupVerification> {
  throw new Error('not implemented yet')
}
