import type { Measurement } from '../measure/measurement.js'
import { takeTurns } from '../measure/rounds.js'
import type { ResultRow, Role, Section } from '../report/report.js'
import type { Settings } from '../settings.js'
import type { BenchStore, Contender } from '../stores/contender.js'
import { namespaceOf } from '../stores/namespaces.js'
import type { PgbenchReference } from '../stores/pgbench.js'

/** What every scenario gets. */
export interface ScenarioContext {
  /** In the order rows are printed: ours, raw, peer, then the embedded stores. */
  readonly contenders: readonly Contender[]
  readonly settings: Settings
  /** The prefix of every schema this run creates. */
  readonly prefix: string
  /** Called after each turn, for progress output. */
  readonly onTurn: () => void
  /** pgbench on the same server (operation 1's limit of one commit per append), or why it cannot run. */
  readonly pgbench: PgbenchAccess
}

/** How a scenario gets pgbench: a table of its own in `schema`, or the reason there is none. */
export type PgbenchAccess =
  | { readonly unavailable: string }
  | { readonly open: (schema: string) => Promise<PgbenchReference> }

/** A benchmark scenario: runs its rows and returns its table. */
export type Scenario = (context: ScenarioContext) => Promise<Section>

/**
 * A row measured beside the contenders that is not a store, e.g. pgbench: it takes its turns in
 * the same rounds, and is printed after the raw baseline.
 */
export type RowReference = { readonly name: string; readonly role: Role } & (
  | {
      /** Warms up and measures one turn. */
      readonly measure: () => Promise<Measurement>
    }
  | {
      /** Why it cannot run; its row says n/a with this. */
      readonly unavailable: string
    }
)

/** One row of a scenario: the same operation for every contender. */
export interface RowSpec {
  /** The group column, e.g. the number of clients. */
  readonly group: string
  /** Short scenario id; with the contender it names the schema (rows of one scenario share data). */
  readonly scenario: string
  readonly connections: number
  /** The optional operation this row needs; contenders without it get an n/a row. */
  readonly requires?: keyof NonNullable<Contender['missing']>
  /** Loads data before the first turn of each contender; not measured. */
  readonly prepare?: (store: BenchStore) => Promise<void>
  /**
   * The contenders already prepared, by key (contenders with the same key share a schema and its
   * data): pass the same set to the rows of a scenario that share their data, so each schema is
   * loaded once. @default a set of this row's own
   */
  readonly prepared?: Set<string>
  /** Rounds of this row, instead of the configured number. */
  readonly rounds?: number
  /** Warms up and measures one turn. */
  readonly measure: (store: BenchStore) => Promise<Measurement>
  /** Rows that are not stores, measured in the same rounds (e.g. pgbench). */
  readonly references?: readonly RowReference[]
}

/**
 * Measures one row: each contender in turn opens, (loads data the first time,) warms up, runs and
 * closes, for the configured rounds; the median round of each is reported.
 */
export async function measureRow(context: ScenarioContext, spec: RowSpec): Promise<ResultRow[]> {
  const { contenders, settings, prefix, onTurn } = context
  const { group, scenario, connections, requires, prepare, measure, prepared = new Set<string>() } = spec
  const { references = [] } = spec
  const present = contenders.filter((c) => !c.scenarios || c.scenarios.includes(scenario))
  const runnable = present.filter((c) => !c.unavailable && !(requires && c.missing?.[requires]))
  const turns = runnable.map((contender) => ({
    key: contender.name,
    async run() {
      const store = await contender.open({ namespace: namespaceOf(prefix, scenario, contender.key), connections })
      try {
        if (prepare && !prepared.has(contender.key)) {
          await prepare(store)
          prepared.add(contender.key)
        }
        return await measure(store)
      } finally {
        await store.close()
      }
    },
  }))
  const referenceTurns = references.flatMap((reference) =>
    'measure' in reference ? [{ key: reference.name, run: reference.measure }] : [],
  )
  const outcomes = await takeTurns([...turns, ...referenceTurns], { rounds: spec.rounds ?? settings.rounds, onTurn })
  const rows = present.map(
    (contender): ResultRow => ({
      group,
      contender: contender.name,
      role: contender.role,
      outcome: outcomes.get(contender.name) ?? {
        missing: contender.unavailable ?? (requires && contender.missing?.[requires]) ?? 'not run',
      },
    }),
  )
  const referenceRows = references.map(
    (reference): ResultRow => ({
      group,
      contender: reference.name,
      role: reference.role,
      outcome: outcomes.get(reference.name) ?? {
        missing: 'unavailable' in reference ? reference.unavailable : 'not run',
      },
    }),
  )
  return afterRaw(rows, referenceRows)
}

/** The rows with `inserted` placed right after the last raw-baseline row (at the end when there is none). */
export function afterRaw(rows: readonly ResultRow[], inserted: readonly ResultRow[]): ResultRow[] {
  const at = rows.findLastIndex((row) => row.role === 'raw') + 1 || rows.length
  return [...rows.slice(0, at), ...inserted, ...rows.slice(at)]
}
