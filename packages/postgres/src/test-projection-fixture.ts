// Test support for this package's projection tests (not exported): the shared projection contract's
// read model (deposit totals per stream and version) in the store's own schema, written through
// the runner's transaction.
import type { EventStore } from '@eventcore/core'
import type { ProjectionFixture } from '@eventcore/core/testing'
import type { SqlConnection, SqlDriver } from './sql-driver.js'
import { createSqlProjectionStore } from './sql-projections.js'
import type { SqlEventStore } from './sql-store.js'

/**
 * Creates the `deposit_totals` table in `store`'s schema (through `ddl`, e.g. a migrator's driver
 * when the store's role may not run DDL; the store's own driver by default) and returns the
 * contract's fixture over it.
 */
export async function depositTotalsFixture(
  store: SqlEventStore,
  ddl: SqlDriver = store.driver,
): Promise<ProjectionFixture<SqlConnection>> {
  const table = `${store.schema.quoted}.deposit_totals`
  await ddl.query(
    `CREATE TABLE ${table} (version integer, stream_id text, total bigint NOT NULL, PRIMARY KEY (version, stream_id))`,
    [],
  )
  return {
    store: store as EventStore,
    projections: createSqlProjectionStore(store),
    model: {
      handle: async (event, { tx, version }) => {
        await tx.query(
          `INSERT INTO ${table} AS t (version, stream_id, total) VALUES ($1, $2, $3)
           ON CONFLICT (version, stream_id) DO UPDATE SET total = t.total + excluded.total`,
          [version, event.streamId, (event.data as { amount: number }).amount],
        )
      },
      totals: async (version) =>
        new Map(
          (
            await store.driver.query<{ stream_id: string; total: string }>(
              `SELECT stream_id, total FROM ${table} WHERE version = $1`,
              [version],
            )
          ).map((r) => [r.stream_id, Number(r.total)]),
        ),
    },
  }
}
