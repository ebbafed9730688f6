// The raw baseline's hand-written SQL and pgbench's script, run on the test server
// (EVENTCORE_TEST_DATABASE_URL): they must do what the contenders they are compared with do.
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { openedAccounts, orderEvents } from '../operations/workload.js'
import { pgbenchScript } from './pgbench.js'
import { rawBaseline } from './raw-baseline.js'
import { rawStatements } from './raw-sql.js'

const url = process.env.EVENTCORE_TEST_DATABASE_URL
const schema = `bench_test_${process.pid}_${Date.now().toString(36)}`

describe.runIf(url)('the raw baseline on PostgreSQL', () => {
  const admin = new pg.Pool({ connectionString: url, max: 2 })
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await admin.end()
  })

  it('reads a stream as one JSON array in version order, and an unknown stream as none', async () => {
    const store = await rawBaseline(url ?? '').open({ namespace: schema, connections: 2 })
    try {
      await store.load([
        { streamId: 'order-a', events: orderEvents('order-a', 3) },
        { streamId: 'order-b', events: orderEvents('order-b', 2) },
      ])
      expect(await store.readStream('order-a')).toBe(3)
      expect(await store.readStream('order-b')).toBe(2)
      expect(await store.readStream('order-none')).toBe(0)
      const { rows } = await admin.query({
        name: `raw_${schema}_read_stream`,
        text: rawStatements(schema).readStream.text,
        values: ['order-a'],
      })
      const events = rows[0].events as Array<Record<string, unknown>>
      expect(events.map((e) => e.version)).toEqual([1, 2, 3])
      expect(events[0]).toMatchObject({ streamId: 'order-a', type: 'OrderPlaced', metadata: {} })
      expect(events[1]?.data).toEqual({ orderId: 'order-a', line: 1, sku: 'sku-1', quantity: 1, price: 1295 })
      expect(Number.isNaN(new Date(String(events[0]?.recordedAt)).getTime())).toBe(false)
    } finally {
      await store.close()
    }
  })

  it('transfers in one statement at the next version of each account, and refuses without funds or account', async () => {
    const store = await rawBaseline(url ?? '').open({ namespace: `${schema}_t`, connections: 2 })
    try {
      await store.load(openedAccounts(2, 10))
      const transfer = store.transfer
      if (!transfer) throw new Error('the raw baseline has a transfer')
      expect(await transfer({ from: 'acct-0', to: 'acct-1', amount: 4, transferId: 't1' })).toBe(0)
      expect(await transfer({ from: 'acct-0', to: 'acct-1', amount: 6, transferId: 't2' })).toBe(0)
      await expect(transfer({ from: 'acct-0', to: 'acct-1', amount: 1, transferId: 't3' })).rejects.toThrow(
        /transfer refused/,
      )
      await expect(transfer({ from: 'acct-0', to: 'acct-9', amount: 1, transferId: 't4' })).rejects.toThrow(
        /transfer refused/,
      )
      const { rows } = await admin.query<{ stream_id: string; version: string; type: string; amount: string }>(
        `SELECT stream_id, version, type, data->>'amount' AS amount FROM ${schema}_t.events ORDER BY stream_id, version`,
      )
      expect(rows.map((r) => `${r.stream_id} ${r.version} ${r.type} ${r.amount}`)).toEqual([
        'account-acct-0 1 AccountOpened null',
        'account-acct-0 2 MoneyWithdrawn 4',
        'account-acct-0 3 MoneyWithdrawn 6',
        'account-acct-1 1 AccountOpened null',
        'account-acct-1 2 MoneyDeposited 4',
        'account-acct-1 3 MoneyDeposited 6',
      ])
    } finally {
      await store.close()
      await admin.query(`DROP SCHEMA IF EXISTS ${schema}_t CASCADE`)
    }
  })

  it('runs pgbench’s script: each run one new row at version 1 of a new stream', async () => {
    const store = await rawBaseline(url ?? '').open({ namespace: `${schema}_p`, connections: 1 })
    await store.close()
    try {
      const script = pgbenchScript(`${schema}_p`)
      await admin.query(script)
      await admin.query(script)
      const { rows } = await admin.query<{ streams: string; versions: string; data: unknown }>(
        `SELECT count(DISTINCT stream_id) AS streams, max(version) AS versions, min(data::text)::jsonb AS data FROM ${schema}_p.events`,
      )
      expect(rows[0]).toMatchObject({ streams: '2', versions: '1' })
      expect(rows[0]?.data).toMatchObject({ customer: 'customer-42', total: 12950 })
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema}_p CASCADE`)
    }
  })
})
