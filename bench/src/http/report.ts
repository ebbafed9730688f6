import { isMeasured } from '../measure/measurement.js'
import { LATENCY_COLUMNS, latencyCells, type ResultRow, ratioTo } from '../report/report.js'
import { type Column, formatRate, formatRatio, formatSection, formatTable } from '../report/table.js'
import { latencyTarget, measuredRole, shareTarget } from '../report/targets.js'

/** The two requests of the HTTP operation. */
export type HttpRequestKind = 'register' | 'get'

/** A line of the HTTP table: a {@link ResultRow} (group: request and connections) with the answers that were not 2xx. */
export interface HttpResultRow extends ResultRow {
  readonly request: HttpRequestKind
  readonly connections: number
  /** Non-2xx answers over all rounds of the row, not only the median one; undefined when nothing ran. */
  readonly non2xx: number | undefined
  /** Requests that got no answer (connection errors, timeouts) over all rounds. */
  readonly errors: number | undefined
}

/** The HTTP table: like a {@link Section}, with its own columns. */
export interface HttpSection {
  readonly title: string
  readonly rows: readonly HttpResultRow[]
  readonly notes: readonly string[]
  readonly targets: readonly string[]
}

const LABEL: Record<HttpRequestKind, string> = { register: 'POST /users', get: 'GET /users/:id' }

/**
 * The group of a row: its request and connection count, what the ratio compares within.
 *
 * @example
 * httpGroup('register', 8) // 'register 8'
 */
export function httpGroup(request: HttpRequestKind, connections: number): string {
  return `${request} ${connections}`
}

/** Shares below this, of EventCore's register rate over the bare route's, miss the target. */
export const REGISTER_SHARE_TARGET = 0.7
/** Shares below this, of EventCore's get rate over the bare route's, miss the target. */
export const GET_SHARE_TARGET = 0.8
/** EventCore p95 must stay under this, in milliseconds. */
export const P95_TARGET_MS = 25
/** The connection count the latency target of get is set for (register's: every count). */
export const P95_TARGET_CONNECTIONS = 8

/**
 * The target lines (issue 15): EventCore's register throughput ≥ 70 % and get ≥ 80 % of the bare
 * route's at each connection count; register's p95 < 25 ms at each count, get's at 8 connections.
 *
 * @example
 * httpTargets(rows, [8, 32])[0] // 'EventCore register ≥ 70 % of bare Fastify + pg at 8 connections: 74 % — met'
 */
export function httpTargets(rows: readonly HttpResultRow[], connectionCounts: readonly number[]): string[] {
  const share = (request: HttpRequestKind, target: number) =>
    connectionCounts.map((connections) => {
      const us = rows.find((r) => r.group === httpGroup(request, connections) && r.role === 'us')
      return shareTarget(
        `EventCore ${request} ≥ ${Math.round(target * 100)} % of bare Fastify + pg at ${connections} connections`,
        us ? ratioTo(rows, us, 'raw') : undefined,
        target,
      )
    })
  const p95 = (request: HttpRequestKind, connections: number) =>
    latencyTarget(
      `EventCore ${request} p95 < ${P95_TARGET_MS} ms at ${connections} connections`,
      measuredRole(rows, httpGroup(request, connections), 'us')?.latency.p95,
      P95_TARGET_MS,
    )
  return [
    ...share('register', REGISTER_SHARE_TARGET),
    ...share('get', GET_SHARE_TARGET),
    ...connectionCounts.map((connections) => p95('register', connections)),
    p95('get', P95_TARGET_CONNECTIONS),
  ]
}

const count = (value: number | undefined) => (value === undefined ? '' : formatRate(value))

/**
 * Renders the HTTP table in the style of the other operations: title, table, `·` notes and
 * `target:` lines. Columns: request, connections, server, requests/s (2xx answers), ratio to the
 * bare route, p50/p95/p99, non-2xx answers (over all rounds) and a note.
 */
export function renderHttpSection(section: HttpSection): string {
  const { title, rows, notes, targets } = section
  const columns: Column[] = [
    { header: 'request' },
    { header: 'connections', align: 'right' },
    { header: 'server' },
    { header: 'requests/s', align: 'right' },
    { header: 'vs bare', align: 'right' },
    ...LATENCY_COLUMNS,
    { header: 'non-2xx', align: 'right' },
    { header: 'note' },
  ]
  const cells = rows.map((row, i): string[] => {
    const first = i === 0 || rows[i - 1]?.group !== row.group
    const lead = [first ? LABEL[row.request] : '', first ? String(row.connections) : '', row.contender]
    const { outcome } = row
    if (!isMeasured(outcome)) return [...lead, 'n/a', '', '', '', '', count(row.non2xx), outcome.missing]
    const unanswered = row.errors ? `${formatRate(row.errors)} requests without an answer` : ''
    return [
      ...lead,
      formatRate(outcome.rate),
      row.role === 'us' ? formatRatio(ratioTo(rows, row, 'raw')) : '',
      ...latencyCells(outcome.latency),
      count(row.non2xx),
      [outcome.note, unanswered].filter(Boolean).join('; '),
    ]
  })
  return formatSection({ title, table: formatTable(columns, cells), notes, targets })
}
