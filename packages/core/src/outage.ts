import { isEventCoreError } from './errors.js'

/** How a consumer (a projection runner, a subscription) backs off while its store is down. */
export interface OutageBackoff {
  /** The first wait, doubling on every failure in a row. @default 100 */
  readonly minMs?: number
  /** The longest wait. @default 5000 */
  readonly maxMs?: number
}

/** One failed try of a consumer waiting out an outage, for logs and metrics. */
export interface OutageRetry {
  /** Failures in a row, this one included. */
  readonly attempt: number
  /** How long the consumer waits before it tries again. */
  readonly delayMs: number
  readonly error: unknown
}

/**
 * True for an error a consumer waits out instead of ending: `store-unavailable` (transient or
 * not: a missing database or a refused login can be fixed while it waits), `timeout`, and any
 * error that is not an EventCore error (a driver error the store did not classify). False for
 * `validation`, `business-rule` and `concurrency` errors: the same call would fail the same way.
 *
 * @example
 * try { await store.readAll({ after }) } catch (error) { if (!isOutage(error)) throw error }
 */
export function isOutage(error: unknown): boolean {
  if (!isEventCoreError(error)) return true
  return error.kind === 'store-unavailable' || error.kind === 'timeout'
}

/**
 * The wait before try `attempt + 1`: doubling from `minMs`, jittered between half and all of it,
 * capped at `maxMs`; at least the error's `retryAfterMs` (an open circuit breaker says when it
 * lets a probe through), still capped.
 *
 * @example
 * const ms = outageDelay(3, { minMs: 100, maxMs: 5000 }, error) // 200-400 ms
 */
export function outageDelay(
  attempt: number,
  backoff: OutageBackoff = {},
  error?: unknown,
  random: () => number = Math.random,
): number {
  const { minMs = 100, maxMs = 5000 } = backoff
  const full = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1))
  const hinted =
    typeof error === 'object' && error !== null && 'retryAfterMs' in error && typeof error.retryAfterMs === 'number'
      ? error.retryAfterMs
      : 0
  return Math.min(maxMs, Math.max(Math.round(full / 2 + random() * (full / 2)), hinted))
}
