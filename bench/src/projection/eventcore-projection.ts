import { defineProjection, runProjection } from '@eventcore/core'
import { createSqlProjectionStore, type SqlConnection, type SqlEventStore } from '@eventcore/postgres'
import { errorMessage } from '../error-message.js'
import type { ProjectOptions, RunningProjection } from '../stores/contender.js'
import { schemaIdentifier } from '../stores/namespaces.js'
import { balancesTableSql, DEPOSITED, depositOf, sumDeposits, upsertBalanceSql, upsertBalancesSql } from './balances.js'

/** The balances projection over an EventCore SQL store, and a way to stop every runner it started. */
export interface EventcoreProjections {
  readonly project: (options: ProjectOptions) => Promise<RunningProjection>
  /** Stops the runners still going (a turn cut short), before the store closes. */
  stopAll(): Promise<void>
}

/**
 * The balances projection as a user writes it: `runProjection` with the SQL projection store
 * (checkpoints in the store's schema), a handler that upserts through the batch's `tx` with a
 * named (prepared) statement, so the read model and the checkpoint commit together. With
 * `apply: 'per-batch'` it defines `handleBatch` instead: the batch's deposits summed per stream,
 * one named multi-row upsert per batch.
 *
 * @param openRunnerStore Opens a second store on the same schema, for `runner: 'second-store'`.
 */
export function eventcoreProjections(
  store: SqlEventStore,
  openRunnerStore: () => Promise<SqlEventStore>,
): EventcoreProjections {
  const running = new Set<RunningProjection>()
  return {
    async project({ name, batchSize, runner, apply = 'per-event', onBatch }) {
      const table = `${store.schema.quoted}.${schemaIdentifier(name)}`
      await store.driver.query(balancesTableSql(table))
      const runnerStore = runner === 'same-store' ? store : await openRunnerStore()
      const upsert = upsertBalanceSql(table)
      const upsertMany = upsertBalancesSql(table)
      const statement = `bal_${store.schema.name}_${name}`
      // The seqs of the batch in hand; a new `tx` is a new (or retried) batch.
      let batchTx: SqlConnection | undefined
      let seqs: number[] = []
      const inBatch = (tx: SqlConnection) => {
        if (tx !== batchTx) {
          batchTx = tx
          seqs = []
        }
      }
      const settings = { name, version: 1, eventTypes: [DEPOSITED] }
      const projection =
        apply === 'per-batch'
          ? defineProjection<SqlConnection>({
              ...settings,
              handleBatch: async (events, { tx }) => {
                inBatch(tx)
                const sums = sumDeposits(events)
                await tx.query(upsertMany, [sums.streamIds, sums.totals], `${statement}_batch`)
                seqs.push(...sums.seqs)
              },
            })
          : defineProjection<SqlConnection>({
              ...settings,
              handle: async (event, { tx }) => {
                inBatch(tx)
                const { amount, seq } = depositOf(event.data)
                await tx.query(upsert, [event.streamId, amount], statement)
                if (seq !== undefined) seqs.push(seq)
              },
            })
      const handle = runProjection({
        store: runnerStore,
        projections: createSqlProjectionStore(runnerStore),
        projection,
        batchSize,
        observer: {
          // Called once the batch and its checkpoint have committed.
          onBatch: (batch) => {
            const applied = seqs
            batchTx = undefined
            seqs = []
            onBatch({ events: batch.events, seqs: applied })
          },
        },
      })
      let stopped = false
      const ended = handle.done.then(
        (checkpoint) => `the projection ended: ${checkpoint.state}${lastError(checkpoint.lastError)}`,
        (error: unknown) => `the projection failed: ${errorMessage(error)}`,
      )
      const started: RunningProjection = {
        ended: ended.then((why) => (stopped ? new Promise<string>(() => {}) : why)),
        async stop() {
          stopped = true
          running.delete(started)
          await handle.stop().catch(() => {})
          if (runnerStore !== store) await runnerStore.close()
        },
      }
      running.add(started)
      return started
    },
    async stopAll() {
      await Promise.all([...running].map((projection) => projection.stop()))
    },
  }
}

function lastError(error: { message: string } | undefined): string {
  return error ? ` (${error.message})` : ''
}
