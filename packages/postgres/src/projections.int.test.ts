import { describeProjectionContract } from '@eventcore/core/testing'
import { afterAll, describe } from 'vitest'
import { databaseUrl, pgliteStores, postgresStores } from './test-database.js'
import { depositTotalsFixture } from './test-projection-fixture.js'

const lite = pgliteStores(afterAll)
describeProjectionContract('PGlite', async () => depositTotalsFixture(await lite.open()))

describe.runIf(databaseUrl)('PostgreSQL', () => {
  const stores = postgresStores(afterAll)
  describeProjectionContract('PostgreSQL', async () => depositTotalsFixture(await stores.open()))
})
