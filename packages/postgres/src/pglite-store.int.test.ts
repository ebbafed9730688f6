import { describeStoreContract } from '@eventcore/core/testing'
import { afterAll, expect, it } from 'vitest'
import { channelOf } from './notifier.js'
import { pgliteStores } from './test-database.js'
import { itOrdersByTransactionIdAsANumber } from './test-transaction-order.js'
import { within } from './test-wait.js'

// One in-memory PGlite for the whole file (creating one takes seconds); each store gets a schema.
const stores = pgliteStores(afterAll)
// PGlite runs one statement at a time, so the concurrency proofs run at half size there.
describeStoreContract('PGlite', stores.open, { scale: 0.5 })
itOrdersByTransactionIdAsANumber(stores.open)

it('announces appends with NOTIFY on PGlite', async () => {
  const store = await stores.open()
  const heard = new Promise<string>((resolve) => {
    void store.db.listen(channelOf(store.schema.name), resolve)
  })
  await store.append([{ streamId: 's', events: [{ type: 'X', data: {} }] }])
  await expect(within(heard, 2000, 'NOTIFY')).resolves.toBe('')
})
