import { isMeasured, type Outcome } from '../measure/measurement.js'
import type { LatencySummary } from '../measure/percentiles.js'
import { type Column, formatMs, formatRate, formatRatio, formatSection, formatTable } from './table.js'

/**
 * What a contender is to the comparison: ours on PostgreSQL, the raw-SQL baseline, the peer, an
 * embedded store (PGlite, memory) that runs without the PostgreSQL server and so has no ratios, or
 * a reference that is not a store (pgbench: the limit of one commit per append on the server).
 */
export type Role = 'us' | 'raw' | 'peer' | 'embedded' | 'reference'

/** One line of a result table. */
export interface ResultRow {
  /** Rows with the same group (e.g. the number of clients) are compared with each other. */
  readonly group: string
  readonly contender: string
  readonly role: Role
  readonly outcome: Outcome
  /** The contender "vs raw" divides by, instead of the group's first raw row. */
  readonly vsRaw?: string
}

/** One table: an operation, its rows and what to read next to them. */
export interface Section {
  readonly title: string
  /** Header of the rate column, e.g. 'appends/s'. */
  readonly unit: string
  /** Header of the group column, e.g. 'clients'. */
  readonly groupHeader: string
  readonly rows: readonly ResultRow[]
  /** Adds a column with the retries per operation (commands). */
  readonly showRetries?: boolean
  /** Lines printed under the table: what exactly was measured. */
  readonly notes?: readonly string[]
  /** Targets with the measured value next to them (never asserted). */
  readonly targets?: readonly string[]
  /** One more ratio column, after "vs Emmett": each row's rate over this contender's in its group. */
  readonly reference?: SectionReference
}

/** A ratio column of a {@link Section}: e.g. "vs pgbench". */
export interface SectionReference {
  /** The column's header. */
  readonly header: string
  /** The row it divides by, by contender name. */
  readonly contender: string
}

/** The rate of the row with this role in a group, when it was measured. */
export function rateOf(rows: readonly ResultRow[], group: string, role: Role): number | undefined {
  const row = rows.find((r) => r.group === group && r.role === role)
  return row && isMeasured(row.outcome) ? row.outcome.rate : undefined
}

/** The rate of a contender's row in a group, when it was measured. */
export function rateOfContender(rows: readonly ResultRow[], group: string, contender: string): number | undefined {
  const row = rows.find((r) => r.group === group && r.contender === contender)
  return row && isMeasured(row.outcome) ? row.outcome.rate : undefined
}

/**
 * The rate of a row divided by the rate of the row with `role` in its group (for `raw`, the row's
 * own {@link ResultRow.vsRaw} when it names one); none for embedded rows.
 */
export function ratioTo(rows: readonly ResultRow[], row: ResultRow, role: Role): number | undefined {
  if (row.role === 'embedded' || !isMeasured(row.outcome)) return undefined
  const base =
    role === 'raw' && row.vsRaw !== undefined
      ? rateOfContender(rows, row.group, row.vsRaw)
      : rateOf(rows, row.group, role)
  return base ? row.outcome.rate / base : undefined
}

/**
 * The rate of a row divided by the rate of a named contender's row in its group; none for
 * embedded rows, which do not run on the server.
 *
 * @example
 * ratioToContender(rows, row, 'pgbench') // 1.62
 */
export function ratioToContender(rows: readonly ResultRow[], row: ResultRow, contender: string): number | undefined {
  if (row.role === 'embedded' || !isMeasured(row.outcome)) return undefined
  const base = rateOfContender(rows, row.group, contender)
  return base ? row.outcome.rate / base : undefined
}

/** The latency columns of every table, filled by {@link latencyCells}. */
export const LATENCY_COLUMNS: readonly Column[] = [
  { header: 'p50 ms', align: 'right' },
  { header: 'p95 ms', align: 'right' },
  { header: 'p99 ms', align: 'right' },
]

/** A measurement's cells under {@link LATENCY_COLUMNS}. */
export function latencyCells(latency: LatencySummary): string[] {
  return [formatMs(latency.p50), formatMs(latency.p95), formatMs(latency.p99)]
}

/** Renders a section: title, table, notes and targets. */
export function renderSection(section: Section): string {
  const { title, unit, groupHeader, rows, showRetries = false, notes = [], targets = [], reference } = section
  const columns: Column[] = [
    { header: groupHeader, align: 'right' },
    { header: 'store' },
    { header: unit, align: 'right' },
    { header: 'vs raw', align: 'right' },
    { header: 'vs Emmett', align: 'right' },
    ...(reference ? [{ header: reference.header, align: 'right' as const }] : []),
    ...LATENCY_COLUMNS,
    ...(showRetries ? [{ header: 'retries', align: 'right' as const }] : []),
    { header: 'note' },
  ]
  const cells = rows.map((row, i): string[] => {
    const group = i > 0 && rows[i - 1]?.group === row.group ? '' : row.group
    const { outcome } = row
    if (!isMeasured(outcome)) {
      const blanks = ['', '', ...(reference ? [''] : []), '', '', '', ...(showRetries ? [''] : [])]
      return [group, row.contender, 'n/a', ...blanks, outcome.missing]
    }
    const retries =
      outcome.count > 0 ? `${formatRate(outcome.retries)} (${percentOf(outcome.retries, outcome.count)})` : ''
    return [
      group,
      row.contender,
      formatRate(outcome.rate),
      formatRatio(ratioTo(rows, row, 'raw')),
      formatRatio(ratioTo(rows, row, 'peer')),
      ...(reference ? [formatRatio(ratioToContender(rows, row, reference.contender))] : []),
      ...latencyCells(outcome.latency),
      ...(showRetries ? [retries] : []),
      outcome.note ?? '',
    ]
  })
  return formatSection({ title, table: formatTable(columns, cells), notes, targets })
}

function percentOf(part: number, whole: number): string {
  const share = (part / whole) * 100
  return `${share < 1 && share > 0 ? share.toFixed(2) : share.toFixed(1)} %`
}
