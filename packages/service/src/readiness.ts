import type { CircuitBreaker } from '@eventcore/core'
import { circuitBreakerReadiness } from '@eventcore/core'
import type { ReadinessCheck } from '@eventcore/http'
import { appliedMigrations, createSqlProjectionStore, LATEST_VERSION, type SqlEventStore } from '@eventcore/postgres'
import type { SharedRedis } from './shared-redis.js'

async function opaque(work: Promise<unknown>, message: string): Promise<void> {
  try {
    await work
  } catch {
    throw new Error(message)
  }
}

/**
 * What `/ready` checks: the database answers, its schema is migrated, no projection has failed,
 * the store's circuit breaker is closed, and (degraded only) the rate limiter's Redis answers.
 */
export function readinessChecks(
  store: SqlEventStore,
  breaker: CircuitBreaker,
  redis: SharedRedis | undefined,
): ReadinessCheck[] {
  const projections = createSqlProjectionStore(store)
  const checks: ReadinessCheck[] = [
    // /ready is public: say what failed, never a driver message (it may name hosts and ports).
    { name: 'database', check: () => opaque(store.driver.query('SELECT 1', []), 'the database did not answer') },
    {
      name: 'migrations',
      check: async () => {
        const applied = await appliedMigrations(store.driver, store.schema)
        if (!applied.includes(LATEST_VERSION))
          throw new Error(`schema at ${applied.at(-1) ?? 0}, need ${LATEST_VERSION}`)
      },
    },
    {
      name: 'projections',
      check: async () => {
        const failed = (await projections.list()).filter((c) => c.state === 'failed')
        if (failed.length > 0) throw new Error(`failed: ${failed.map((c) => `${c.name}@${c.version}`).join(', ')}`)
      },
    },
    // Open after repeated store failures: requests fail fast with 503 until a probe gets through.
    circuitBreakerReadiness(breaker),
  ]
  // A replica whose limiter cannot reach Redis serves with the limiter failing open, and /ready says
  // so (degraded) without taking it out of rotation: every replica shares that Redis, so an unready
  // verdict would turn a limiter outage into an outage of the whole API (docs/users-service.md).
  if (redis) checks.push({ name: 'redis', check: redis.check, critical: false })
  return checks
}
