/** A column of a text table. */
export interface Column {
  readonly header: string
  /** Numbers read best right-aligned. @default 'left' */
  readonly align?: 'left' | 'right'
}

/**
 * Lays out rows under their headers, columns two spaces apart, with a rule under the headers.
 * Trailing spaces are trimmed; a missing cell is blank.
 *
 * @example
 * formatTable([{ header: 'store' }, { header: 'ops/s', align: 'right' }], [['raw', '3,500']])
 * // store  ops/s
 * // -----  -----
 * // raw    3,500
 */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, i) => Math.max(column.header.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? ''
        const width = widths[i] ?? 0
        return column.align === 'right' ? cell.padStart(width) : cell.padEnd(width)
      })
      .join('  ')
      .trimEnd()
  const headers = columns.map((column) => column.header)
  const rule = widths.map((width) => '-'.repeat(width))
  return [line(headers), line(rule), ...rows.map(line)].join('\n')
}

/**
 * A rate with thousands separators, whole numbers from 100 up.
 *
 * @example
 * formatRate(12345.6) // '12,346'
 */
export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return '—'
  return value.toLocaleString('en-US', { maximumFractionDigits: value < 100 ? 1 : 0 })
}

/**
 * A ratio of two rates, two decimals.
 *
 * @example
 * formatRatio(0.934) // '0.93×'
 */
export function formatRatio(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—'
  return `${value.toFixed(2)}×`
}

/**
 * Milliseconds with the precision that still says something: three decimals below 0.1 ms, two
 * below 10 ms, one below 100 ms, none above.
 *
 * @example
 * formatMs(0.0042) // '0.004'
 * formatMs(1.234) // '1.23'
 */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return '—'
  if (value < 0.1) return value.toFixed(3)
  if (value < 10) return value.toFixed(2)
  if (value < 100) return value.toFixed(1)
  return value.toFixed(0)
}

/**
 * A share as a whole percentage.
 *
 * @example
 * formatPercent(0.956) // '96 %'
 */
export function formatPercent(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value * 100)} %` : '—'
}

/**
 * One operation's block of the report: its title, the table indented, then its notes and targets.
 *
 * @example
 * formatSection({ title: '1. Append', table: formatTable(columns, cells), notes: [], targets: [] })
 */
export function formatSection(parts: {
  readonly title: string
  readonly table: string
  readonly notes: readonly string[]
  readonly targets: readonly string[]
}): string {
  return [
    parts.title,
    ...parts.table.split('\n').map((line) => `  ${line}`),
    ...parts.notes.map((note) => `  · ${note}`),
    ...parts.targets.map((target) => `  target: ${target}`),
  ].join('\n')
}
