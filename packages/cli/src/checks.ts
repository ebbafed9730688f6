import { EXIT, type ExitCode } from './exit-code.js'
import type { Colors } from './output.js'

/**
 * What one check found: `pass` and `fail` are measured; `warn` passed with a concern; `manual` is
 * for a person to confirm (the check says what); `skip` could not apply here (it says why).
 */
export type CheckStatus = (typeof CHECK_STATUSES)[number]

/** Every {@link CheckStatus}, in the order summaries list them. */
export const CHECK_STATUSES = ['pass', 'fail', 'warn', 'manual', 'skip'] as const

/** A measured figure, with the limit it was held to when there was one. */
export interface Figure {
  readonly value: number
  readonly unit: string
  readonly limit?: number
}

/** The result of one check. */
export interface CheckResult {
  readonly name: string
  readonly status: CheckStatus
  /** Why it passed or failed, or what a person must confirm. */
  readonly detail: string
  readonly figure?: Figure
}

const MARK: Readonly<Record<CheckStatus, string>> = {
  pass: '✅',
  fail: '❌',
  warn: '⚠️ ',
  manual: '📝',
  skip: '⏭️ ',
}

/** A figure as people read it: `12.3 ms (limit 500 ms)`. */
export function formatFigure({ value, unit, limit }: Figure): string {
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1)
  const space = unit === '%' ? '' : ' '
  return limit === undefined ? `${shown}${space}${unit}` : `${shown}${space}${unit} (limit ${limit}${space}${unit})`
}

/** The colour of each status (plain text when colour is off). */
export function statusPaint(colors: Colors): Readonly<Record<CheckStatus, (text: string) => string>> {
  return { pass: colors.green, fail: colors.red, warn: colors.yellow, manual: colors.cyan, skip: colors.dim }
}

/** One line per check: mark, name, figure, why. */
export function renderChecks(results: readonly CheckResult[], colors: Colors): string {
  const paint = statusPaint(colors)
  return results
    .map(({ name, status, detail, figure }) => {
      const measured = figure ? ` ${colors.bold(formatFigure(figure))}` : ''
      return `${MARK[status]} ${paint[status](name)}${measured}${detail ? ` — ${detail}` : ''}\n`
    })
    .join('')
}

/** How many checks ended in each status. */
export function countStatuses(results: readonly { readonly status: CheckStatus }[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, manual: 0, skip: 0 }
  for (const { status } of results) counts[status] += 1
  return counts
}

/** 1 when any check failed, else 0. */
export function exitCodeOf(results: readonly CheckResult[]): ExitCode {
  return results.some((result) => result.status === 'fail') ? EXIT.failed : EXIT.ok
}
