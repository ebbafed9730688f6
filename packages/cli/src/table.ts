/**
 * Rows as aligned columns under a header, for people (machines get `--json`). The last column is
 * not padded, so a long error message does not push trailing spaces.
 *
 * @example
 * renderTable(['NAME', 'STATE'], [['users', 'running']]) // 'NAME   STATE\nusers  running\n'
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows]
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)))
  return all
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('')
}
