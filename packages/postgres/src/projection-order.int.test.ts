import { runProjection } from '@eventcore/core'
import { planAppend } from '@eventcore/core/store-kit'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { appendEvents } from './sql/append-events.js'
import type { SqlConnection } from './sql-driver.js'
import { createSqlProjectionStore } from './sql-projections.js'
import { databaseUrl, postgresStores } from './test-database.js'

// Two connections at once: PostgreSQL only.
describe.runIf(databaseUrl)('a projection on PostgreSQL under out-of-order commits', () => {
  const stores = postgresStores(afterAll)
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 })
  afterAll(() => pool.end())

  it('applies every committed event exactly once: late commits, inverted ids, rollbacks, long transactions', async () => {
    const store = await stores.open()
    const table = `${store.schema.quoted}.sums`
    await store.driver.query(`CREATE TABLE ${table} (id integer PRIMARY KEY, n integer NOT NULL)`, [])
    const projections = createSqlProjectionStore(store)
    const runner = runProjection({
      store,
      projections,
      projection: {
        name: 'sums',
        version: 1,
        // A primary key on n: applying any event twice fails the batch, so "once" is checked by the database too.
        handle: async (event, { tx }) => {
          const { n } = event.data as { n: number }
          await tx.query(`INSERT INTO ${table} (id, n) VALUES ($1, $1)`, [n])
        },
        failure: { maxAttempts: 1 },
      },
      batchSize: 7,
      minPollMs: 2,
      maxPollMs: 20,
    })

    const committed: number[] = []
    let next = 0
    const writer = async () => {
      while (next < 600) {
        const n = next++
        const client = await pool.connect()
        const tx: SqlConnection = {
          query: async <Row>(text: string, values?: readonly unknown[]) =>
            (await client.query(text, values as unknown[])).rows as Row[],
        }
        try {
          await client.query('BEGIN')
          if (n % 2 === 0) await client.query('SELECT pg_current_xact_id()') // id first, position later
          await new Promise((resolve) => setTimeout(resolve, Math.random() * (n % 50 === 0 ? 40 : 3)))
          const plan = planAppend([{ streamId: `w-${n}`, events: [{ type: 'N', data: { n } }] }], undefined)
          const result = await appendEvents(tx, store.schema, plan)
          if (!result.ok) throw result.error
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 3))
          const outcome = n % 20 === 0 ? 'ROLLBACK' : 'COMMIT'
          await client.query(outcome)
          if (outcome === 'COMMIT') committed.push(n)
        } finally {
          client.release()
        }
      }
    }
    try {
      await Promise.all(Array.from({ length: 16 }, writer))
    } catch (error) {
      await runner.stop()
      throw error
    }
    const deadline = Date.now() + 20_000
    while ((await projections.load('sums', 1)).processed < committed.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const final = await runner.stop()
    expect(final).toMatchObject({ state: 'stopped', processed: committed.length })
    const rows = await store.driver.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`, [])
    expect(rows.map((r) => r.id)).toEqual([...committed].sort((a, b) => a - b))
  }, 60_000)
})
