import { describeStoreContract } from '@eventcore/core/testing'
import { pgliteStores } from './test-database.js'

const stores = pgliteStores()
// PGlite runs one statement at a time, so the concurrency proofs run at half size there.
describeStoreContract('PGlite', stores.open, { scale: 0.5 })
