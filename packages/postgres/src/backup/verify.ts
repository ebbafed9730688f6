import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPgliteStore } from '../pglite-store.js'
import { BackupError, type BackupProblem, type BackupProgress, type BackupVerification } from './backup-types.js'
import { scanChain } from './chain-scan.js'
import { createBackup } from './create.js'
import { type ReadManifest, readChain } from './manifest.js'
import { restoreBackup } from './restore.js'

/** Options of {@link verifyBackup}. */
export interface VerifyBackupOptions {
  /** Also restore the chain into an in-memory PGlite, back that up, and compare counts and checksums. */
  readonly deep?: boolean
  readonly onProgress?: (progress: BackupProgress) => void
}

/**
 * Checks a backup (a backup's folder or its manifest.json) and every backup it continues:
 * checksums, every line decodes, streams contiguous, global order increasing, counts as stated.
 * Problems are returned, not thrown; a path that is no backup at all throws a BackupError
 * ('not-a-backup'), as does a manifest that cannot be read.
 *
 * @example
 * const report = await verifyBackup('./backups/20261202T141500123Z-full', { deep: true })
 * if (!report.ok) console.error(report.problems)
 */
export async function verifyBackup(path: string, options: VerifyBackupOptions = {}): Promise<BackupVerification> {
  const started = performance.now()
  let chain: ReadManifest[]
  try {
    chain = await readChain(path)
  } catch (error) {
    // A broken chain or a malformed manifest is a finding about this backup; no backup at all is not.
    if (!(error instanceof BackupError) || error.kind !== 'invalid-backup') throw error
    return report(path, [], {
      problems: [...error.problems],
      events: 0,
      streams: 0,
      transactions: 0,
      chunks: 0,
      bytes: 0,
    })
  }
  const scan = await scanChain(chain, { onProgress: options.onProgress, phase: 'verify' })
  const problems = [...scan.problems]
  if (options.deep && problems.length === 0)
    problems.push(...(await deepCheck(path, scan.events, scan.chainSha256, options)))
  return {
    ...report(path, chain, { ...scan, problems }),
    deep: options.deep === true,
    durationMs: Math.round(performance.now() - started),
  }
}

function report(
  path: string,
  chain: readonly ReadManifest[],
  scan: {
    problems: BackupProblem[]
    events: number
    streams: number
    transactions: number
    chunks: number
    bytes: number
  },
): BackupVerification {
  return {
    ok: scan.problems.length === 0,
    path,
    chain: chain.map(({ manifest }) => manifest.id),
    events: scan.events,
    streams: scan.streams,
    transactions: scan.transactions,
    chunks: scan.chunks,
    bytes: scan.bytes,
    deep: false,
    problems: scan.problems,
    durationMs: 0,
  }
}

/**
 * Restores the chain into a PGlite in memory and backs that up again: the restored log must read
 * back as the very lines of the chain (same count, same SHA-256), transactions and all.
 */
async function deepCheck(
  path: string,
  events: number,
  chainSha256: string,
  options: VerifyBackupOptions,
): Promise<BackupProblem[]> {
  const scratch = await openPgliteStore({ dataDir: 'memory://' })
  const dir = await mkdtemp(join(tmpdir(), 'eventcore-deep-verify-'))
  try {
    await restoreBackup(scratch, path, { onProgress: options.onProgress })
    const { manifest } = await createBackup(scratch, {
      dir,
      onProgress: options.onProgress && ((p) => options.onProgress?.({ ...p, phase: 'deep-verify' })),
    })
    const problems: BackupProblem[] = []
    if (manifest.events !== events)
      problems.push({
        kind: 'deep-mismatch',
        detail: `restored into PGlite, the log holds ${manifest.events} events where the backup has ${events}`,
      })
    else if (manifest.logSha256 !== chainSha256)
      problems.push({
        kind: 'deep-mismatch',
        detail: 'restored into PGlite, the log reads back differently from the backup (SHA-256 differs)',
      })
    return problems
  } finally {
    await scratch.close()
    await rm(dir, { recursive: true, force: true })
  }
}
