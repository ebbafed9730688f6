import { subscribe } from '@eventcore/core'
import { describeStoreContract } from '@eventcore/core/testing'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { channelOf } from './notifier.js'
import { openPostgresStore } from './postgres-store.js'
import { databaseUrl, postgresStores } from './test-database.js'
import { itOrdersByTransactionIdAsANumber } from './test-transaction-order.js'
import { within } from './test-wait.js'

describe.runIf(databaseUrl)('PostgreSQL', () => {
  const stores = postgresStores(afterAll)
  describeStoreContract('PostgreSQL', stores.open)
  itOrdersByTransactionIdAsANumber(stores.open)

  it('announces appends with NOTIFY to a listener on another connection', async () => {
    const store = await stores.open()
    const listener = new pg.Client({ connectionString: databaseUrl })
    await listener.connect()
    try {
      await listener.query(`LISTEN "${channelOf(store.schema.name)}"`)
      const heard = new Promise<string>((resolve) => listener.on('notification', (n) => resolve(n.channel)))
      await store.append([{ streamId: 's', events: [{ type: 'X', data: {} }] }])
      await expect(within(heard, 2000, 'NOTIFY')).resolves.toBe(channelOf(store.schema.name))
    } finally {
      await listener.end()
    }
  })

  it("wakes a subscription with another process's appends (NOTIFY), long before its next poll", async () => {
    const reader = await stores.open()
    const writer = await openPostgresStore({
      connectionString: databaseUrl,
      schema: reader.schema.name,
      migrate: false,
    })
    const controller = new AbortController()
    try {
      const arrived: number[] = []
      const following = (async () => {
        for await (const batch of subscribe(reader, { signal: controller.signal, minPollMs: 60_000 })) {
          arrived.push(...batch.events.map(() => Date.now()))
          if (arrived.length > 0) controller.abort()
        }
      })()
      await new Promise((resolve) => setTimeout(resolve, 300)) // the reader is idle, LISTENing
      const sent = Date.now()
      await writer.append([{ streamId: 'from-elsewhere', events: [{ type: 'X', data: {} }] }])
      await within(following, 5000, 'delivery')
      expect((arrived[0] ?? Number.POSITIVE_INFINITY) - sent).toBeLessThan(2000)
    } finally {
      controller.abort()
      await writer.close()
    }
  })

  it('upcasts old events on every read', async () => {
    const plain = await stores.open()
    await plain.append([{ streamId: 'u', events: [{ type: 'Named', data: { name: 'Ada Lovelace' } }] }])
    const upcasting = await openPostgresStore({
      connectionString: databaseUrl,
      schema: plain.schema.name,
      upcasters: [{ type: 'Named', fromVersion: 1, upcast: (d) => ({ full: (d as { name: string }).name }) }],
    })
    try {
      const expected = [{ schemaVersion: 2, data: { full: 'Ada Lovelace' } }]
      expect((await upcasting.readStream('u')).events).toMatchObject(expected)
      expect((await upcasting.readStreams(['u'])).get('u')?.events).toMatchObject(expected)
      expect((await upcasting.readAll()).events).toMatchObject(expected)
    } finally {
      await upcasting.close()
    }
  })
})
