import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { StoreUnavailableError } from '@eventcore/core'
import { isProcessAlive } from './process-alive.js'

/** The file that says which process has a PGlite data directory open. */
export const LOCK_FILE = 'eventcore.lock'

/** A held data directory: release it when the database is closed. */
export interface DataDirLock {
  release(): void
}

// Directories this process holds: a second open here must fail too, and the pid check can't tell.
const held = new Set<string>()

function holderOf(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/**
 * Takes a PGlite data directory for this process. PGlite is PostgreSQL in one process: two
 * processes writing one directory would corrupt it, so a second one is refused with the holder's
 * pid. A lock left by a process that died is taken over (the pid is not running, or is this
 * process's own: a restarted container reuses pid 1).
 *
 * @example
 * const lock = lockDataDir('./data')
 * try { … } finally { lock.release() }
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true })
  const dir = realpathSync(dataDir)
  const file = join(dir, LOCK_FILE)
  if (held.has(dir)) throw inUse(dataDir, process.pid)
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 })
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw storeErrorOf(dataDir, error)
      const pid = holderOf(file)
      if (pid !== undefined && pid !== process.pid && isProcessAlive(pid)) throw inUse(dataDir, pid)
      rmSync(file, { force: true }) // stale: its process is gone
    }
  }
  held.add(dir)
  return {
    release: () => {
      if (!held.delete(dir)) return
      if (holderOf(file) === process.pid) rmSync(file, { force: true })
    },
  }
}

const inUse = (dataDir: string, pid: number) =>
  new StoreUnavailableError(
    `the PGlite data directory ${dataDir} is in use by process ${pid}; stop it, or set another data directory`,
    { transient: false },
  )

const storeErrorOf = (dataDir: string, cause: unknown) =>
  new StoreUnavailableError(`cannot lock the PGlite data directory ${dataDir}`, { transient: false, cause })
