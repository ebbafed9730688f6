// Test support: what a service's /metrics exports (series names and the labels each carries), and
// the names of a PromQL expression it does not, so dashboards and rules name only real series.
import { promqlNames } from './promql-names.js'

/** The series names of an exposition and the labels each carries. */
export interface ExportedNames {
  /** Series name (e.g. `x_bucket`) → the label names its samples carry. */
  readonly series: ReadonlyMap<string, ReadonlySet<string>>
  /** Family name → its `# TYPE` (counter, gauge, histogram, summary, untyped). */
  readonly families: ReadonlyMap<string, string>
}

// Labels Prometheus itself adds to every scraped series.
const TARGET_LABELS = ['job', 'instance']
const SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
}

/**
 * The series and labels of a Prometheus text exposition (prom-client's `/metrics`).
 *
 * @example
 * exportedNames('# TYPE a counter\na{x="1"} 2\n').series.get('a') // → Set { 'x' }
 */
export function exportedNames(exposition: string): ExportedNames {
  const series = new Map<string, Set<string>>()
  const families = new Map<string, string>()
  for (const line of exposition.split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)/.exec(line)
    if (type) families.set(type[1] as string, type[2] as string)
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s/.exec(line)
    if (!sample) continue
    const labels = series.get(sample[1] as string) ?? new Set<string>()
    for (const pair of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) {
      labels.add(pair[1] as string)
    }
    series.set(sample[1] as string, labels)
  }
  return { series, families }
}

// A series name the exposition declares: a sample's name, a counter's or gauge's family name, or a
// histogram's or summary's _bucket/_sum/_count (their family name itself is no series).
function declared(names: ExportedNames, metric: string): boolean {
  if (names.series.has(metric)) return true
  return [...names.families].some(([family, type]) => {
    const suffixes = SUFFIXES[type]
    return suffixes === undefined ? metric === family : suffixes.some((suffix) => metric === family + suffix)
  })
}

/**
 * What `expr` names that the exposition does not export: a metric no family declares, or a label
 * (in a matcher or a grouping clause) the series does not carry. `up` and the target labels `job`
 * and `instance` are Prometheus' own and always allowed. Empty when everything is exported.
 *
 * @example
 * unexportedNames('rate(eventcore_commandz_total[1m])', names)
 * // → ['eventcore_commandz_total: no such metric']
 */
export function unexportedNames(expr: string, names: ExportedNames): string[] {
  const { selectors, groupings } = promqlNames(expr)
  const labelsOf = (metric: string): ReadonlySet<string> | undefined =>
    metric === 'up' ? new Set() : names.series.get(metric)
  const problems: string[] = []
  const carries = (metric: string, label: string, what: string) => {
    if (TARGET_LABELS.includes(label) || label === '__name__') return
    const labels = labelsOf(metric)
    if (labels === undefined)
      problems.push(`${metric}: no samples, so its label ${label} (${what}) cannot be confirmed`)
    else if (!labels.has(label)) problems.push(`${metric}: has no label ${label} (${what})`)
  }
  for (const { metric, labels } of selectors) {
    if (metric !== 'up' && !declared(names, metric)) {
      problems.push(`${metric}: no such metric`)
      continue
    }
    for (const label of labels) carries(metric, label, 'matcher')
  }
  for (const { clause, labels, metrics } of groupings) {
    for (const metric of metrics) {
      if (metric !== 'up' && !declared(names, metric)) continue
      for (const label of labels) carries(metric, label, `${clause} clause`)
    }
  }
  return [...new Set(problems)]
}
