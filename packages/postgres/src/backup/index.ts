/**
 * Logical backups of the event log: create (full or incremental), verify, restore (to a position
 * or a time), list and prune. The format is documented in docs/operations/backup.md.
 *
 * @example
 * import { createBackup, restoreBackup, verifyBackup } from '@eventcore/postgres'
 *
 * const { path } = await createBackup(store, { dir: './backups' })
 * const report = await verifyBackup(path, { deep: true })
 * await restoreBackup(emptyStore, path)
 *
 * @module
 */
export {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupChunk,
  type BackupEntry,
  BackupError,
  type BackupErrorKind,
  type BackupEvent,
  type BackupKind,
  type BackupManifest,
  type BackupProblem,
  type BackupProgress,
  type BackupSource,
  type BackupVerification,
  MANIFEST_FILE,
  type RestoreResult,
  type RetentionPlan,
  type RetentionPolicy,
} from './backup-types.js'
export { backupEvents } from './chain-scan.js'
export { type CreateBackupOptions, type CreatedBackup, createBackup } from './create.js'
export { listBackups } from './repository.js'
export { type RestoreBackupOptions, restoreBackup } from './restore.js'
export { type PruneResult, planRetention, pruneBackups } from './retention.js'
export { type VerifyBackupOptions, verifyBackup } from './verify.js'
