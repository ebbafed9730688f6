// Test support (not exported): what a refused call must not change.
import type { TestService } from './harness.js'

/**
 * How many events the service's store holds, counted in SQL. A committed append counts at once,
 * whereas `readAll` may hold back the newest events while other transactions are open (the
 * projection's), which would make a write made just before look like one made during a call.
 *
 * @example
 * const before = await eventCount(service)
 * await service.call('/api/v1/users', { method: 'POST', json: newUser('x') }) // no token: 401
 * expect(await eventCount(service)).toBe(before)
 */
export async function eventCount(service: TestService): Promise<number> {
  const [row] = await service.store.driver.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${service.store.schema.quoted}.events`,
  )
  return row?.n ?? 0
}
