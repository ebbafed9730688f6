import { describeStoreContract } from '@eventcore/core/testing'
import { afterAll, describe } from 'vitest'
import { databaseUrl, pgliteStores, postgresStores } from './test-database.js'

// Group commit is on by default, so the other suites run with it; this one keeps the path of one
// statement per append (`groupCommit: false`) under the same contract.
const pglite = pgliteStores(afterAll)
describeStoreContract('PGlite without group commit', () => pglite.open({ groupCommit: false }), { scale: 0.5 })

describe.runIf(databaseUrl)('PostgreSQL', () => {
  const stores = postgresStores(afterAll)
  describeStoreContract('PostgreSQL without group commit', () => stores.open({ groupCommit: false }))
})
