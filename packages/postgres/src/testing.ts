/**
 * Test support for fault tests against real PostgreSQL: a scratch cluster of the test's own. Not
 * part of the store's API; needs the Debian/Ubuntu PostgreSQL cluster tools and root (as CI has).
 *
 * @example
 * import { createScratchCluster } from '@eventcore/postgres/testing'
 *
 * const cluster = await createScratchCluster()
 * const store = await openPostgresStore({ connectionString: cluster.url() })
 * await cluster.restart()
 *
 * @module
 */
export { canCreateScratchCluster, createScratchCluster, type ScratchCluster } from './scratch-cluster.js'
