// Test support (not exported): a check both SQL stores run, on PGlite and on PostgreSQL.
import { START } from '@eventcore/core'
import { expect, it } from 'vitest'
import type { SqlEventStore } from './sql-store.js'

/**
 * readAll must order by the transaction id as a number. Rows are written with chosen ids (999 and
 * 1000, which sort the other way round as text), the larger one first so positions disagree too.
 */
export function itOrdersByTransactionIdAsANumber(open: () => Promise<SqlEventStore>): void {
  it('orders readAll by transaction id as a number, across a change in digit count', async () => {
    const store = await open()
    for (const [txid, stream] of [
      ['1000', 'later-transaction'],
      ['999', 'earlier-transaction'],
    ] as const) {
      await store.driver.query(
        `INSERT INTO ${store.schema.quoted}.events (transaction_id, event_id, stream_id, stream_version, type, data)
         VALUES ($1::text::xid8, gen_random_uuid(), $2, 1, 'X', '{}')`,
        [txid, stream],
      )
    }
    const first = await store.readAll({ after: START, limit: 1 })
    const second = await store.readAll({ after: first.cursor, limit: 1 })
    const third = await store.readAll({ after: second.cursor, limit: 1 })
    expect([...first.events, ...second.events].map((e) => [e.transactionId, e.streamId])).toEqual([
      [999, 'earlier-transaction'],
      [1000, 'later-transaction'],
    ])
    expect(third.events).toEqual([])
  })
}
