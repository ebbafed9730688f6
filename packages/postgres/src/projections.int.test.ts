import type { EventStore } from '@eventcore/core'
import { describeProjectionContract, type ProjectionFixture } from '@eventcore/core/testing'
import { afterAll, describe } from 'vitest'
import type { SqlConnection } from './sql-driver.js'
import { createSqlProjectionStore } from './sql-projections.js'
import type { SqlEventStore } from './sql-store.js'
import { databaseUrl, pgliteStores, postgresStores } from './test-database.js'

/** A read model in the store's own schema, written through the runner's transaction. */
async function fixture(store: SqlEventStore): Promise<ProjectionFixture<SqlConnection>> {
  const table = `${store.schema.quoted}.deposit_totals`
  await store.driver.query(
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

const lite = pgliteStores(afterAll)
describeProjectionContract('PGlite', async () => fixture(await lite.open()))

describe.runIf(databaseUrl)('PostgreSQL', () => {
  const stores = postgresStores(afterAll)
  describeProjectionContract('PostgreSQL', async () => fixture(await stores.open()))
})
