import { formatRate, formatRatio, formatSection, formatTable } from '../report/table.js'
import { rateTarget } from '../report/targets.js'

/** The targets of issue 12 for a log of any size; printed with the measured values, never asserted. */
export const TARGETS = {
  backupEventsPerSecond: 100_000,
  restoreEventsPerSecond: 50_000,
  peakRssMiB: 200,
} as const

/** What a row is: a backup, a check of one, or a restore. */
export type BackupOperation = 'backup' | 'verify' | 'restore'

/**
 * Ours on PostgreSQL (compared with the anchor), the anchor (`pg_dump`, `pg_restore`), or ours
 * into PGlite (no anchor: another database; its RSS holds the database too).
 */
export type BackupRole = 'us' | 'anchor' | 'embedded'

/** A measured run of one operation. */
export interface Measured {
  readonly events: number
  readonly ms: number
  /** Peak RSS of the process that ran it, KiB; undefined when it could not be read. */
  readonly maxRssKiB: number | undefined
  /** What it wrote (a backup, a dump) or left (a restored database), bytes; undefined: nothing to show. */
  readonly bytes: number | undefined
  /** Stopped at the time limit after `events` of this many: the rate is over the part done. */
  readonly unfinishedOf?: number
}

/** One line of the table. */
export interface BackupRow {
  /** Events in the log. */
  readonly size: number
  readonly operation: BackupOperation
  readonly tool: string
  readonly role: BackupRole
  readonly outcome: Measured | { readonly missing: string }
  readonly note?: string
}

const MiB = 1024 * 1024

const isMeasured = (outcome: BackupRow['outcome']): outcome is Measured => !('missing' in outcome)

/** Events per second of a measured row. */
export function eventsPerSecond(measured: Measured): number {
  return measured.ms > 0 ? measured.events / (measured.ms / 1000) : Number.NaN
}

/**
 * A row's rate divided by the anchor's of the same operation and size (> 1: faster than
 * `pg_dump`/`pg_restore`); only for our PostgreSQL rows.
 */
export function anchorRatio(rows: readonly BackupRow[], row: BackupRow): number | undefined {
  if (row.role !== 'us' || !isMeasured(row.outcome)) return undefined
  const anchor = rows.find((r) => r.role === 'anchor' && r.size === row.size && r.operation === row.operation)
  if (!anchor || !isMeasured(anchor.outcome)) return undefined
  return eventsPerSecond(row.outcome) / eventsPerSecond(anchor.outcome)
}

/**
 * Mebibytes with one decimal; a dash when unknown.
 *
 * @example
 * formatMiB(52_428_800) // '50.0'
 */
export function formatMiB(bytes: number | undefined): string {
  return bytes === undefined || !Number.isFinite(bytes) ? '—' : (bytes / MiB).toFixed(1)
}

const seconds = (ms: number) => (ms / 1000).toFixed(2)

/** What a row stopped at the time limit did, e.g. `time limit: 520,000 of 1,000,000 events`; empty when it finished. */
function unfinished(measured: Measured): string {
  return measured.unfinishedOf === undefined
    ? ''
    : `time limit: ${formatRate(measured.events)} of ${formatRate(measured.unfinishedOf)} events`
}

/** The table: one line per size and operation, ours and the anchor's next to each other. */
export function renderBackupTable(rows: readonly BackupRow[]): string {
  const cells = rows.map((row, i) => {
    const size = i > 0 && rows[i - 1]?.size === row.size ? '' : formatRate(row.size)
    const { outcome } = row
    if (!isMeasured(outcome)) return [size, row.operation, row.tool, 'n/a', '', '', '', '', outcome.missing]
    return [
      size,
      row.operation,
      row.tool,
      formatRate(eventsPerSecond(outcome)),
      seconds(outcome.ms),
      formatMiB(outcome.maxRssKiB === undefined ? undefined : outcome.maxRssKiB * 1024),
      formatMiB(outcome.bytes),
      formatRatio(anchorRatio(rows, row)),
      [unfinished(outcome), row.note].filter(Boolean).join('; '),
    ]
  })
  return formatTable(
    [
      { header: 'events', align: 'right' },
      { header: 'operation' },
      { header: 'tool' },
      { header: 'events/s', align: 'right' },
      { header: 'wall s', align: 'right' },
      { header: 'peak RSS MiB', align: 'right' },
      { header: 'on disk MiB', align: 'right' },
      { header: 'vs anchor', align: 'right' },
      { header: 'note' },
    ],
    cells,
  )
}

/**
 * The target lines: backup and restore rates of our PostgreSQL rows at the largest size, and the
 * peak RSS of each of our PostgreSQL operations at every size (flat: under the bound at each).
 */
export function backupTargets(rows: readonly BackupRow[]): string[] {
  const largest = Math.max(...rows.map((row) => row.size))
  const ours = (operation: BackupOperation, size: number) => {
    const row = rows.find((r) => r.role === 'us' && r.operation === operation && r.size === size)
    return row && isMeasured(row.outcome) ? row.outcome : undefined
  }
  const rate = (operation: BackupOperation) => {
    const measured = ours(operation, largest)
    return measured && eventsPerSecond(measured)
  }
  const stopped = (operation: BackupOperation) => {
    const measured = ours(operation, largest)
    return measured?.unfinishedOf === undefined ? '' : ` (${unfinished(measured)})`
  }
  const at = `at ${formatRate(largest)} events`
  const sizes = [...new Set(rows.map((row) => row.size))].sort((a, b) => a - b)
  const memory = (['backup', 'verify', 'restore'] as const).map((operation) => {
    const peaks = sizes.map((size) => ({ size, kib: ours(operation, size)?.maxRssKiB }))
    const label = `${operation} peak RSS < ${TARGETS.peakRssMiB} MiB at every size`
    if (peaks.some((peak) => peak.kib === undefined || !Number.isFinite(peak.kib))) return `${label}: not measured`
    const figures = peaks.map((peak) => `${formatMiB((peak.kib ?? 0) * 1024)} MiB at ${formatRate(peak.size)}`)
    const met = peaks.every((peak) => (peak.kib ?? 0) * 1024 < TARGETS.peakRssMiB * MiB)
    return `${label}: ${figures.join(', ')} — ${met ? 'met' : 'MISSED'}`
  })
  return [
    rateTarget(
      `backup ≥ ${formatRate(TARGETS.backupEventsPerSecond)} events/s ${at}${stopped('backup')}`,
      rate('backup'),
      TARGETS.backupEventsPerSecond,
    ),
    rateTarget(
      `restore into PostgreSQL ≥ ${formatRate(TARGETS.restoreEventsPerSecond)} events/s ${at}${stopped('restore')}`,
      rate('restore'),
      TARGETS.restoreEventsPerSecond,
    ),
    ...memory,
  ]
}

/** The whole section: title, table, notes, targets. */
export function renderBackupReport(rows: readonly BackupRow[], notes: readonly string[]): string {
  return formatSection({
    title: 'Backup and restore of the event log',
    table: renderBackupTable(rows),
    notes,
    targets: backupTargets(rows),
  })
}
