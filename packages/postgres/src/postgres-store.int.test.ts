import { describeStoreContract } from '@eventcore/core/testing'
import { describe } from 'vitest'
import { databaseUrl, postgresStores } from './test-database.js'

describe.runIf(databaseUrl)('PostgreSQL', () => {
  const stores = postgresStores()
  describeStoreContract('PostgreSQL', stores.open)
})
