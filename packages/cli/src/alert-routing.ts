import { parse } from 'yaml'

/** One label matcher of a route: `severity="critical"`, `alertname=~"EventCore.*"`. */
interface Matcher {
  readonly label: string
  readonly op: '=' | '!=' | '=~' | '!~'
  readonly value: string
}

/** A node of Alertmanager's routing tree, as far as choosing receivers goes. */
export interface AlertRoute {
  readonly receiver: string
  readonly matchers: readonly Matcher[]
  readonly continue: boolean
  readonly routes: readonly AlertRoute[]
}

/** An Alertmanager configuration's routing tree and its receivers (name → integrations, e.g. `pagerduty`). */
export interface AlertRouting {
  readonly route: AlertRoute
  readonly receivers: ReadonlyMap<string, readonly string[]>
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/

function matcherOf(text: string): Matcher {
  const found = MATCHER.exec(text)
  if (!found) throw new Error(`not a label matcher: ${text}`)
  const [, label = '', op = '=', raw = ''] = found
  const value = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? (JSON.parse(raw) as string) : raw
  return { label, op: op as Matcher['op'], value }
}

type RawRoute = {
  receiver?: string
  matchers?: string[]
  match?: Record<string, string>
  match_re?: Record<string, string>
  continue?: boolean
  routes?: RawRoute[]
}

function routeOf(raw: RawRoute, inherited: string): AlertRoute {
  const receiver = raw.receiver ?? inherited
  const matchers = [
    ...(raw.matchers ?? []).map(matcherOf),
    ...Object.entries(raw.match ?? {}).map(([label, value]): Matcher => ({ label, op: '=', value })),
    ...Object.entries(raw.match_re ?? {}).map(([label, value]): Matcher => ({ label, op: '=~', value })),
  ]
  return {
    receiver,
    matchers,
    continue: raw.continue === true,
    routes: (raw.routes ?? []).map((child) => routeOf(child, receiver)),
  }
}

/**
 * Reads the routing tree and receivers of an Alertmanager configuration (its YAML text, as
 * `/api/v2/status` returns it in `config.original`). Throws for text that is not one.
 */
export function alertRoutingOf(yamlText: string): AlertRouting {
  const config = parse(yamlText) as { route?: RawRoute; receivers?: ({ name: string } & Record<string, unknown>)[] }
  if (config?.route === undefined) throw new Error('an Alertmanager configuration has a route')
  const receivers = new Map(
    (config.receivers ?? []).map((receiver) => [
      receiver.name,
      Object.keys(receiver).filter((key) => key.endsWith('_configs') && Array.isArray(receiver[key])),
    ]),
  )
  return { route: routeOf(config.route, config.route.receiver ?? ''), receivers }
}

// Alertmanager's regular expressions are anchored at both ends.
const matches = (matcher: Matcher, labels: Readonly<Record<string, string>>): boolean => {
  const value = labels[matcher.label] ?? ''
  switch (matcher.op) {
    case '=':
      return value === matcher.value
    case '!=':
      return value !== matcher.value
    case '=~':
      return new RegExp(`^(?:${matcher.value})$`).test(value)
    case '!~':
      return !new RegExp(`^(?:${matcher.value})$`).test(value)
  }
}

/**
 * The receivers an alert with `labels` is sent to, as Alertmanager chooses them: depth first, the
 * first matching child route wins unless it says `continue`; a route no child matches sends to its
 * own receiver.
 *
 * @example
 * receiversOf(alertRoutingOf(text).route, { alertname: 'EventCoreDown', severity: 'critical' }) // ['pager']
 */
export function receiversOf(route: AlertRoute, labels: Readonly<Record<string, string>>): string[] {
  const chosen: string[] = []
  for (const child of route.routes) {
    if (!child.matchers.every((matcher) => matches(matcher, labels))) continue
    chosen.push(...receiversOf(child, labels))
    if (!child.continue) break
  }
  return chosen.length > 0 ? chosen : [route.receiver]
}
