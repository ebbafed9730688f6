import { describeStoreContract } from '@eventcore/core/testing'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { channelOf } from './notifier.js'
import { databaseUrl, postgresStores } from './test-database.js'
import { within } from './test-wait.js'
import { itOrdersByTransactionIdAsANumber } from './transaction-order-contract.js'

describe.runIf(databaseUrl)('PostgreSQL', () => {
  const stores = postgresStores()
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
})
