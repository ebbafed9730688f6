// Test support: the metric and label names a PromQL expression uses, so a dashboard's or a rule's
// queries can be held to what a service exports. A tokenizer and a little structure, not a full
// parser: enough for selectors, matchers and `by`/`without`/`on`/`ignoring` clauses.

/** A metric selector: its name and the labels its matchers name. */
export interface SelectorNames {
  readonly metric: string
  readonly labels: readonly string[]
}

/** A `by (…)`, `without (…)`, `on (…)` or `ignoring (…)` clause and the metrics it groups. */
export interface GroupingNames {
  readonly clause: string
  readonly labels: readonly string[]
  /** The metrics selected inside the aggregated expression (for `on`/`ignoring`, the whole expression). */
  readonly metrics: readonly string[]
}

/** Every name an expression uses. */
export interface PromqlNames {
  readonly selectors: readonly SelectorNames[]
  readonly groupings: readonly GroupingNames[]
}

type TokenKind = 'name' | 'string' | 'number' | 'punct'
interface Token {
  readonly kind: TokenKind
  readonly text: string
}

// Keywords that are neither metrics nor followed by a parenthesised argument list.
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan'])
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'])
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
])

const PATTERNS: readonly (readonly [TokenKind, RegExp])[] = [
  ['string', /^"(?:[^"\\]|\\.)*"|^'(?:[^'\\]|\\.)*'|^`[^`]*`/],
  // Numbers, and durations after `offset` (ranges in brackets are skipped whole).
  ['number', /^(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?:(?:ms|[smhdwy])\d*)*)/],
  ['name', /^[a-zA-Z_:][a-zA-Z0-9_:]*/],
  ['punct', /^(?:==|!=|=~|!~|>=|<=|[-+*/%^(){}[\],=<>@])/],
]

function tokens(expr: string): Token[] {
  const found: Token[] = []
  let rest = expr
  while (rest.length > 0) {
    const space = /^(?:\s+|#[^\n]*)/.exec(rest)
    if (space) {
      rest = rest.slice(space[0].length)
      continue
    }
    const match = PATTERNS.map(([kind, pattern]) => [kind, pattern.exec(rest)?.[0]] as const).find(([, m]) => m)
    if (match === undefined || match[1] === undefined) throw new Error(`PromQL: cannot read ${JSON.stringify(rest)}`)
    found.push({ kind: match[0], text: match[1] })
    rest = rest.slice(match[1].length)
  }
  return found
}

// Index of the token closing the bracket opened at `open`.
function closing(list: readonly Token[], open: number): number {
  const pairs: Record<string, string> = { '(': ')', '{': '}', '[': ']' }
  const opener = list[open]?.text ?? ''
  let depth = 0
  for (let i = open; i < list.length; i++) {
    const text = list[i]?.text
    if (text === opener) depth++
    else if (text === pairs[opener] && --depth === 0) return i
  }
  throw new Error(`PromQL: unbalanced ${opener}`)
}

// Index of the token opening the bracket closed at `close`.
function opening(list: readonly Token[], close: number): number {
  let depth = 0
  for (let i = close; i >= 0; i--) {
    const text = list[i]?.text
    if (text === ')') depth++
    else if (text === '(' && --depth === 0) return i
  }
  throw new Error('PromQL: unbalanced )')
}

const namesBetween = (list: readonly Token[], from: number, to: number) =>
  list.slice(from + 1, to).flatMap((t) => (t.kind === 'name' ? [t.text] : []))

/**
 * The metrics and labels `expr` names: each selector's metric with its matchers' labels, and each
 * grouping clause's labels with the metrics it groups. Throws on text it cannot read and on a
 * selector without a metric name (`{__name__=…}`), which it could not check.
 *
 * @example
 * promqlNames('sum by (route) (rate(eventcore_http_requests_total{job="api"}[1m]))')
 * // → { selectors: [{ metric: 'eventcore_http_requests_total', labels: ['job'] }],
 * //     groupings: [{ clause: 'by', labels: ['route'], metrics: ['eventcore_http_requests_total'] }] }
 */
export function promqlNames(expr: string): PromqlNames {
  const list = tokens(expr)
  const selectors: { metric: string; labels: string[]; at: number }[] = []
  const clauses: { clause: string; labels: string[]; from: number; to: number }[] = []
  for (let i = 0; i < list.length; i++) {
    const token = list[i] as Token
    const next = list[i + 1]?.text
    if (token.text === '[') {
      i = closing(list, i)
    } else if (token.text === '{') {
      throw new Error(`PromQL: a selector without a metric name cannot be checked: ${expr}`)
    } else if (token.kind !== 'name') {
      // strings, numbers, operators, parentheses
    } else if (GROUPING.has(token.text)) {
      if (next !== '(') continue
      const end = closing(list, i + 1)
      const labels = namesBetween(list, i + 1, end)
      const previous = list[i - 1]
      if (token.text === 'by' || token.text === 'without') {
        // `sum by (l) (arg)` or `sum (arg) by (l)`
        const [from, to] =
          previous?.kind === 'name' && AGGREGATIONS.has(previous.text)
            ? [end + 1, closing(list, end + 1)]
            : [opening(list, i - 1), i - 1]
        clauses.push({ clause: token.text, labels, from, to })
      } else {
        // `on`/`ignoring` match both sides: every selector of the expression
        clauses.push({ clause: token.text, labels, from: -1, to: list.length })
      }
      i = end
    } else if (next === '(' || KEYWORDS.has(token.text) || (AGGREGATIONS.has(token.text) && GROUPING.has(next ?? ''))) {
      // a function or an aggregation: its arguments (or its grouping clause) come next
    } else if (next === '{') {
      const end = closing(list, i + 1)
      // matchers: label op "value", separated by commas
      const labels = list
        .slice(i + 2, end)
        .flatMap((t, k, all) =>
          t.kind === 'name' && all[k + 1]?.kind === 'punct' && all[k + 2]?.kind === 'string' ? [t.text] : [],
        )
      selectors.push({ metric: token.text, labels, at: i })
      i = end
    } else {
      selectors.push({ metric: token.text, labels: [], at: i })
    }
  }
  return {
    selectors: selectors.map(({ metric, labels }) => ({ metric, labels })),
    groupings: clauses.map(({ clause, labels, from, to }) => ({
      clause,
      labels,
      metrics: [...new Set(selectors.filter((s) => s.at > from && s.at < to).map((s) => s.metric))],
    })),
  }
}
