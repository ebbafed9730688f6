/** How the executor waits between attempts. */
export interface RetryPolicy {
  /** Attempts in all, the first included. @default 10 */
  readonly maxAttempts?: number
  /** Delay cap before the first retry, in milliseconds. @default 2 */
  readonly baseDelayMs?: number
  /** Largest delay cap, in milliseconds. @default 250 */
  readonly maxDelayMs?: number
}

/**
 * "Full jitter" exponential back-off: a random delay up to `base · 2^(retry-1)`, capped. Spreading
 * retries at random keeps writers that collided once from colliding again in lock step.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const { baseDelayMs = 2, maxDelayMs = 250 } = policy
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1))
  return Math.floor(random() * cap)
}
