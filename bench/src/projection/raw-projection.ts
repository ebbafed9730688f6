import { errorMessage } from '../error-message.js'
import type { ProjectOptions, RunningProjection } from '../stores/contender.js'
import { schemaIdentifier } from '../stores/namespaces.js'
import type { WithClient } from '../stores/raw-baseline.js'
import type { RawStatements } from '../stores/raw-sql.js'
import { balancesTableSql, DEPOSITED, depositOf, sumDeposits, upsertBalanceSql, upsertBalancesSql } from './balances.js'

/** Waits between reads of an empty log. */
const IDLE_MS = 10

interface EventRow {
  readonly position: string
  readonly stream_id: string
  readonly type: string
  readonly data: unknown
}

/**
 * The balances projection by hand, the same shape as EventCore's: read a page by position (the
 * baseline's global read), then in one transaction the same upsert per event (named) and the new
 * position in a checkpoint table; a client checked out per page. With `apply: 'per-batch'` the
 * page's deposits are summed per stream and written by one multi-row upsert (named) instead. It has
 * no lease, no failure handling and no wake-up on append (it polls), so it only runs the catch-up.
 */
export function rawProjection(
  withClient: WithClient,
  schema: string,
  statements: RawStatements,
): (options: ProjectOptions) => Promise<RunningProjection> {
  return async ({ name, batchSize, runner, apply = 'per-event', onBatch }) => {
    if (runner !== 'same-store') throw new Error('the raw baseline has no wake-up from another process')
    const table = `${schema}.${schemaIdentifier(name)}`
    const upsert = { name: `bal_${schema}_${name}`, text: upsertBalanceSql(table) }
    const upsertMany = { name: `bal_${schema}_${name}_batch`, text: upsertBalancesSql(table) }
    const save = {
      name: `raw_${schema}_checkpoint`,
      text: `UPDATE ${schema}.checkpoints SET position = $2 WHERE name = $1`,
    }
    let after = await withClient(async (client) => {
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${schema}.checkpoints (name text PRIMARY KEY, position bigint NOT NULL);
${balancesTableSql(table)}`,
      )
      await client.query(`INSERT INTO ${schema}.checkpoints (name, position) VALUES ($1, 0) ON CONFLICT DO NOTHING`, [
        name,
      ])
      const found = await client.query<{ position: string }>(
        `SELECT position FROM ${schema}.checkpoints WHERE name = $1`,
        [name],
      )
      return found.rows[0]?.position ?? '0'
    })
    const applyPage = () =>
      withClient(async (client) => {
        const { rows } = await client.query<EventRow>({ ...statements.readAll, values: [after, batchSize] })
        const last = rows.at(-1)
        if (!last) return 0
        await client.query('BEGIN')
        try {
          const deposits = rows.filter((row) => row.type === DEPOSITED)
          if (apply === 'per-batch') {
            const sums = sumDeposits(deposits.map((row) => ({ streamId: row.stream_id, data: row.data })))
            if (sums.streamIds.length > 0) {
              await client.query({ ...upsertMany, values: [sums.streamIds, sums.totals] })
            }
          } else {
            for (const row of deposits) {
              await client.query({ ...upsert, values: [row.stream_id, depositOf(row.data).amount] })
            }
          }
          await client.query({ ...save, values: [name, last.position] })
          await client.query('COMMIT')
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {})
          throw error
        }
        after = last.position
        return rows.length
      })
    let stopping = false
    const loop = async (): Promise<string> => {
      while (!stopping) {
        const applied = await applyPage()
        if (applied > 0) onBatch({ events: applied, seqs: [] })
        else await new Promise((resolve) => setTimeout(resolve, IDLE_MS))
      }
      return 'stopped'
    }
    const done = loop().catch((error: unknown) => `failed: ${errorMessage(error)}`)
    return {
      ended: done.then((why) => (stopping ? new Promise<string>(() => {}) : why)),
      async stop() {
        stopping = true
        await done
      },
    }
  }
}
