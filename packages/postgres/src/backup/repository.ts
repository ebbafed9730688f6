import type { BackupEntry } from './backup-types.js'

/**
 * Every backup in a backup directory, oldest first; folders that are not readable backups are
 * listed with their problem. A directory that does not exist holds no backups.
 *
 * @example
 * for (const entry of await listBackups('./backups')) if (entry.ok) console.log(entry.id, entry.manifest.events)
 */
export async function listBackups(_dir: string): Promise<BackupEntry[]> {
  throw new Error('not implemented yet')
}
