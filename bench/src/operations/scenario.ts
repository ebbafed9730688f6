import type { Measurement } from '../measure/measurement.js'
import { takeTurns } from '../measure/rounds.js'
import type { ResultRow, Section } from '../report/report.js'
import type { Settings } from '../settings.js'
import type { BenchStore, Contender } from '../stores/contender.js'
import { namespaceOf } from '../stores/namespaces.js'

/** What every scenario gets. */
export interface ScenarioContext {
  /** In the order rows are printed: ours, raw, peer, then the embedded stores. */
  readonly contenders: readonly Contender[]
  readonly settings: Settings
  /** The prefix of every schema this run creates. */
  readonly prefix: string
  /** Called after each turn, for progress output. */
  readonly onTurn: () => void
}

/** A benchmark scenario: runs its rows and returns its table. */
export type Scenario = (context: ScenarioContext) => Promise<Section>

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
}

/**
 * Measures one row: each contender in turn opens, (loads data the first time,) warms up, runs and
 * closes, for the configured rounds; the median round of each is reported.
 */
export async function measureRow(context: ScenarioContext, spec: RowSpec): Promise<ResultRow[]> {
  const { contenders, settings, prefix, onTurn } = context
  const { group, scenario, connections, requires, prepare, measure, prepared = new Set<string>() } = spec
  const runnable = contenders.filter((c) => !c.unavailable && !(requires && c.missing?.[requires]))
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
  const outcomes = await takeTurns(turns, { rounds: spec.rounds ?? settings.rounds, onTurn })
  return contenders.map((contender) => ({
    group,
    contender: contender.name,
    role: contender.role,
    outcome: outcomes.get(contender.name) ?? {
      missing: contender.unavailable ?? (requires && contender.missing?.[requires]) ?? 'not run',
    },
  }))
}
