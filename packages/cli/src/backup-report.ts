import {
  type BackupEntry,
  BackupError,
  type BackupErrorKind,
  type BackupManifest,
  type BackupProblem,
  type BackupVerification,
  type PruneResult,
  type RestoreResult,
} from '@eventcore/postgres'
import { CliError, type CliErrorKind } from './cli-error.js'
import { EXIT, type ExitCode } from './exit-code.js'
import type { Colors } from './output.js'
import type { Outcome } from './shell.js'
import { renderTable } from './table.js'

/** Bytes as people read them: `512 B`, `3.4 KiB`, `12.0 MiB`. */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

/** The compressed size of a backup's chunks. */
export const bytesOf = (manifest: Pick<BackupManifest, 'chunks'>): number =>
  manifest.chunks.reduce((sum, chunk) => sum + chunk.bytes, 0)

/** Events per second over `ms`, as a whole number (0 for nothing done). */
export const rateOf = (events: number, ms: number): number => (ms > 0 ? Math.round((events * 1000) / ms) : 0)

/** `chunk-checksum  chunk-000002.ndjson.gz:17  the SHA-256 differs`: one problem, one line. */
export function problemLine(problem: BackupProblem): string {
  const where =
    problem.file === undefined ? '-' : `${problem.file}${problem.line === undefined ? '' : `:${problem.line}`}`
  return `${problem.kind}  ${where}  ${problem.detail}`
}

const positions = (m: Pick<BackupManifest, 'firstPosition' | 'lastPosition'>) =>
  m.firstPosition === null ? '-' : `${m.firstPosition}..${m.lastPosition}`

/**
 * What each BackupError kind ends a command with. A backup found invalid is a check that ran and
 * failed (1); the rest mean the command could not run (2): a path that is no backup, an
 * incremental with nothing to continue, a bad option, a target that already has events, a restore
 * cut off by its database (run it again with --resume), a file that could not be read or written.
 */
const BY_KIND: Readonly<Record<BackupErrorKind, { readonly exit: ExitCode; readonly kind: CliErrorKind }>> = {
  'invalid-backup': { exit: EXIT.failed, kind: 'usage' },
  'not-a-backup': { exit: EXIT.error, kind: 'usage' },
  'no-parent': { exit: EXIT.error, kind: 'usage' },
  'bad-option': { exit: EXIT.error, kind: 'usage' },
  'target-not-empty': { exit: EXIT.error, kind: 'usage' },
  interrupted: { exit: EXIT.error, kind: 'connection' },
  io: { exit: EXIT.error, kind: 'config' },
}

/**
 * Runs a backup operation: a BackupError becomes its exit code: 1 with the problems listed for an
 * invalid backup, else a one-line CliError (exit 2). Anything else is thrown on.
 */
export async function onBackupError(work: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await work()
  } catch (error) {
    if (!(error instanceof BackupError)) throw error
    const { exit, kind } = BY_KIND[error.kind]
    const message = error.message.replaceAll(/\s*\n\s*/g, ' ')
    if (exit === EXIT.error) throw new CliError(kind, message, { cause: error })
    return {
      exitCode: exit,
      json: { error: { kind: error.kind, message, problems: error.problems } },
      text: `${message}\n${error.problems.map((problem) => `${problemLine(problem)}\n`).join('')}`,
    }
  }
}

/** `backup create`'s report. */
export function createdText(path: string, manifest: BackupManifest, durationMs: number): string {
  const parent = manifest.parent === null ? '' : ` (continues ${manifest.parent})`
  return [
    `backup ${manifest.id}${parent}`,
    `  path          ${path}`,
    `  events        ${manifest.events} (positions ${positions(manifest)})`,
    `  streams       ${manifest.streams}`,
    `  transactions  ${manifest.transactions}`,
    `  chunks        ${manifest.chunks.length}`,
    `  size          ${sizeText(bytesOf(manifest))} (${bytesOf(manifest)} bytes)`,
    `  took          ${Math.round(durationMs)} ms, ${rateOf(manifest.events, durationMs)} events/s`,
    '',
  ].join('\n')
}

/** `backup verify`'s report: ok with its counts, or each problem on a line. */
export function verificationText(report: BackupVerification, colors: Colors): string {
  const counts = `${report.events} events, ${report.streams} streams, ${report.transactions} transactions, ${report.chunks} chunks, ${sizeText(report.bytes)}`
  const chain = report.chain.length > 1 ? ` (chain of ${report.chain.length}: ${report.chain.join(' → ')})` : ''
  const how = report.deep ? ', restored and compared in memory' : ''
  if (report.ok)
    return `${colors.green('ok')} ${report.path}${chain}: ${counts}${how}, ${Math.round(report.durationMs)} ms\n`
  const head = `${colors.red(`${report.problems.length} problem(s)`)} in ${report.path}${chain}:\n`
  return head + report.problems.map((problem) => `${problemLine(problem)}\n`).join('')
}

/** `backup restore`'s report. */
export function restoredText(path: string, location: string, result: RestoreResult): string {
  const skipped = result.skipped > 0 ? ` (${result.skipped} later events of the backup left out)` : ''
  const resumed = result.resumedAfter > 0 ? ` (after ${result.resumedAfter} already there: resumed)` : ''
  return [
    `restored ${path} into ${location}${result.chain.length > 1 ? ` (chain: ${result.chain.join(' → ')})` : ''}`,
    `  events        ${result.events}${skipped}${resumed}`,
    `  streams       ${result.streams}`,
    `  transactions  ${result.transactions}`,
    `  last          position ${result.lastPosition ?? '-'}, recorded ${result.lastRecordedAt ?? '-'}`,
    `  took          ${Math.round(result.durationMs)} ms, ${rateOf(result.events, result.durationMs)} events/s`,
    `projections reset to the start: ${result.projectionsReset} (they rebuild when the service starts;`,
    '  saved subscription cursors of the old database are invalid: see docs/operations/logical-backups.md)',
    '',
  ].join('\n')
}

/** `backup list`'s rows as JSON. */
export function entryJson(entry: BackupEntry) {
  if (!entry.ok) return { id: entry.id, path: entry.path, ok: false, problem: entry.problem }
  const { manifest } = entry
  return {
    id: entry.id,
    path: entry.path,
    ok: true,
    kind: manifest.kind,
    parent: manifest.parent,
    createdAt: manifest.createdAt,
    events: manifest.events,
    streams: manifest.streams,
    firstPosition: manifest.firstPosition,
    lastPosition: manifest.lastPosition,
    chunks: manifest.chunks.length,
    bytes: bytesOf(manifest),
  }
}

/** `backup list`'s table; a folder that is no readable backup shows its problem. */
export function listText(dir: string, entries: readonly BackupEntry[]): string {
  if (entries.length === 0) return `no backups in ${dir}\n`
  const rows = entries.map((entry) =>
    entry.ok
      ? [
          entry.id,
          entry.manifest.kind,
          entry.manifest.createdAt,
          String(entry.manifest.events),
          String(entry.manifest.streams),
          positions(entry.manifest),
          sizeText(bytesOf(entry.manifest)),
        ]
      : [entry.id, '?', '-', '-', '-', '-', `${entry.problem.kind}: ${entry.problem.detail}`],
  )
  return renderTable(['ID', 'KIND', 'CREATED', 'EVENTS', 'STREAMS', 'POSITIONS', 'SIZE'], rows)
}

/** `backup prune`'s table: each backup, kept (and why) or removed. */
export function pruneText(result: PruneResult, { dryRun }: { readonly dryRun: boolean }): string {
  const removing = dryRun ? 'would remove' : 'removed'
  const rows = [
    ...result.keep.map((k) => [k.id, 'keep', k.reasons.join(', ')]),
    ...result.remove.map((id) => [id, removing, '']),
  ].sort((a, b) => ((a[0] ?? '') < (b[0] ?? '') ? 1 : -1))
  const count = dryRun ? result.remove.length : result.removed.length
  const table = rows.length === 0 ? '' : renderTable(['ID', 'ACTION', 'KEPT BY'], rows)
  return `${table}${result.keep.length} kept, ${result.remove.length === 0 ? 'nothing to remove' : `${count} ${removing}`}\n`
}
