import type { EventcoreMetrics, PoolStats } from '@eventcore/metrics'
import type { SqlEventStore } from '@eventcore/postgres'
import type { OpenedStore } from './open-store.js'

/**
 * Feeds `eventcore_active_streams` and the `eventcore_connection_pool_*` metrics from the store the
 * service opened, and counts the pool's connection errors.
 */
export function watchStore(metrics: EventcoreMetrics, { store, pool }: OpenedStore): void {
  metrics.sources({
    activeStreams: () => countStreams(store),
    activeStreamsTtlMs: 300_000,
    // PGlite is one connection inside this process: always there, never more.
    pool: pool
      ? (): PoolStats => ({
          total: pool.totalCount,
          idle: pool.idleCount,
          waiting: pool.waitingCount,
          max: pool.options.max ?? 10,
        })
      : (): PoolStats => ({ total: 1, idle: 0, waiting: 0, max: 1 }),
  })
  pool?.on('error', () => metrics.countPoolError())
}

// Streams with at least one event: a count over the version-1 rows. It reads the whole unique
// index, so it runs at most every 5 minutes whatever the scrape interval: a capacity trend.
async function countStreams(store: SqlEventStore): Promise<number> {
  const [row] = await store.driver.query<{ n: string | number }>(
    `SELECT count(*) AS n FROM ${store.schema.quoted}.events WHERE stream_version = 1`,
    [],
  )
  return Number(row?.n ?? 0)
}
