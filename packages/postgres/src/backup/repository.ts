import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type BackupEntry, BackupError } from './backup-types.js'
import { readManifest } from './manifest.js'

/**
 * Every backup in a backup directory, oldest first; folders that are not readable backups are
 * listed with their problem (folders being written, `.<id>.partial`, are left out). A directory
 * that does not exist holds no backups.
 *
 * @example
 * for (const entry of await listBackups('./backups')) if (entry.ok) console.log(entry.id, entry.manifest.events)
 */
export async function listBackups(dir: string): Promise<BackupEntry[]> {
  let names: string[]
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new BackupError('io', `cannot read the backup directory ${dir}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  const entries = await Promise.all(
    names.map(async (id): Promise<BackupEntry> => {
      const path = join(dir, id)
      try {
        return { ok: true, id, path, manifest: (await readManifest(path)).manifest }
      } catch (error) {
        const problem =
          error instanceof BackupError && error.problems[0]
            ? error.problems[0]
            : { kind: 'not-a-backup' as const, detail: String(error) }
        return { ok: false, id, path, problem }
      }
    }),
  )
  return entries.sort((a, b) => createdOf(a).localeCompare(createdOf(b)) || a.id.localeCompare(b.id))
}

const createdOf = (entry: BackupEntry) => (entry.ok ? entry.manifest.createdAt : '')
