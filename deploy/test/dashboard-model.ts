// Test support: the Grafana dashboard's JSON model as the tests read it (its panels and their
// queries), and its queries with Grafana's variables replaced so Prometheus can run them.
import { readFileSync } from 'node:fs'
import { deployFile } from './deploy-files.js'

/** A query of a panel. */
export interface DashboardTarget {
  readonly refId: string
  readonly expr: string
  readonly datasource?: { readonly type?: string; readonly uid?: string }
}

/** A panel (rows hold their panels in `panels` when collapsed). */
export interface DashboardPanel {
  readonly id: number
  readonly type: string
  readonly title: string
  readonly datasource?: { readonly type?: string; readonly uid?: string }
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number }
  readonly targets?: readonly DashboardTarget[]
  readonly panels?: readonly DashboardPanel[]
}

/** A template variable. */
export interface DashboardVariable {
  readonly name: string
  readonly type: string
  readonly query?: string | { readonly query?: string }
  readonly allValue?: string
}

/** The parts of the JSON model the tests look at. */
export interface Dashboard {
  readonly uid: string
  readonly title: string
  readonly schemaVersion: number
  readonly refresh: string
  readonly templating: { readonly list: readonly DashboardVariable[] }
  readonly panels: readonly DashboardPanel[]
}

/** The dashboard file, `deploy/grafana/eventcore.json`. */
export const DASHBOARD_FILE = deployFile('grafana', 'eventcore.json')

/** The dashboard file, parsed. */
export const readDashboard = (file = DASHBOARD_FILE): Dashboard => JSON.parse(readFileSync(file, 'utf8')) as Dashboard

/** Every panel, those inside rows included. */
export const allPanels = (dashboard: Dashboard): DashboardPanel[] =>
  dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])])

/** A panel's query, named for messages. */
export interface PanelQuery {
  readonly panel: string
  readonly refId: string
  readonly expr: string
}

/** Every query of every panel. */
export const panelQueries = (dashboard: Dashboard): PanelQuery[] =>
  allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title, refId: target.refId, expr: target.expr })),
  )

/**
 * `expr` with Grafana's variables (`$name`, `${name}`, `${name:format}`, `[[name]]`) replaced from
 * `values`; throws on a variable `values` lacks, so a new one cannot slip through unreplaced.
 */
export function withVariables(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(
    /\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g,
    (whole, braced?: string, bracketed?: string, bare?: string) => {
      const name = braced ?? bracketed ?? bare ?? ''
      const value = values[name]
      if (value === undefined) throw new Error(`unknown Grafana variable ${whole} in ${expr}`)
      return value
    },
  )
}

/**
 * What the tests run the queries with: Grafana's rate interval as a minute, the job the tests
 * scrape, and every instance (the `instance` variable's "All" is `.*`).
 */
export const TEST_VARIABLES: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
  job: 'eventcore',
  instance: '.*',
}
