import { createMetrics, type EventcoreMetrics, type PoolStats } from '@eventcore/metrics'
import type { SqlEventStore } from '@eventcore/postgres'
import type pg from 'pg'
import { deactivateUser, registerUser, USERS_PROJECTION, updateUser } from './users/index.js'

/**
 * The users service's metrics: EventCore's command, projection, store and pool metrics, HTTP
 * request metrics, Node process metrics, and the business counters the checklist asks for.
 */
export function usersServiceMetrics(store: SqlEventStore, pool: pg.Pool | undefined): EventcoreMetrics {
  const metrics = createMetrics({
    commands: [registerUser, updateUser, deactivateUser],
    projections: [USERS_PROJECTION.name],
  })
  metrics.businessCounter({ name: 'users_registered_total', help: 'Users registered', eventTypes: ['UserRegistered'] })
  metrics.businessCounter({
    name: 'users_deactivated_total',
    help: 'Users deactivated',
    eventTypes: ['UserDeactivated'],
  })
  metrics.businessCounter({
    name: 'users_email_changes_total',
    help: 'E-mail address changes',
    eventTypes: ['UserEmailChanged'],
  })
  // Streams with at least one event: a count over the version-1 rows. It reads the whole unique
  // index, so it runs at most every 5 minutes whatever the scrape interval: a capacity trend.
  const countStreams = async () => {
    const [row] = await store.driver.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM ${store.schema.quoted}.events WHERE stream_version = 1`,
      [],
    )
    return Number(row?.n ?? 0)
  }
  metrics.sources({
    activeStreams: countStreams,
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
  return metrics
}
