/**
 * Test support for fault and TLS tests against real PostgreSQL: a scratch cluster of the test's
 * own, plain or speaking TLS with a throwaway CA. Not part of the store's API; needs the
 * Debian/Ubuntu PostgreSQL cluster tools and root (as CI has), and `openssl` for TLS.
 *
 * @example
 * import { createScratchCluster, createTlsScratchCluster } from '@eventcore/postgres/testing'
 *
 * const cluster = await createScratchCluster()
 * const store = await openPostgresStore({ connectionString: cluster.url() })
 * await cluster.restart()
 *
 * const tls = await createTlsScratchCluster({ hba: 'tls-only' })
 * await openPostgresStore({ connectionString: tls.url('sslmode=verify-full'), ssl: { ca: tls.ca } })
 *
 * @module
 */

export { makeCertificates, type ScratchCertificates } from './scratch-certificates.js'
export { canCreateScratchCluster, createScratchCluster, type ScratchCluster } from './scratch-cluster.js'
export {
  createTlsScratchCluster,
  type ScratchHba,
  type TlsScratchCluster,
} from './tls-scratch-cluster.js'
