/**
 * Tokens already verified, so a client sending the same bearer token on every request is not put
 * through signature verification each time (WebCrypto's HMAC/RSA/ECDSA: a measurable share of a
 * request's CPU). Only successes are kept, each no longer than the token stays acceptable.
 */
export interface VerifiedTokens<T> {
  /** The value kept for `token`, unless it is unknown or its time is up at `nowMs`. */
  get(token: string, nowMs: number): T | undefined
  /** Keeps `value` for `token` until `untilMs`; the oldest entry goes when the cache is full. */
  set(token: string, value: T, untilMs: number): void
}

/**
 * A bounded cache of verified tokens, oldest first out.
 *
 * @example
 * const cache = createVerifiedTokens<Principal>(10_000)
 * cache.set(token, principal, payload.exp * 1000)
 */
export function createVerifiedTokens<T>(maxEntries: number): VerifiedTokens<T> {
  const entries = new Map<string, { value: T; untilMs: number }>()
  return {
    get(token, nowMs) {
      const entry = entries.get(token)
      if (entry === undefined) return undefined
      if (nowMs < entry.untilMs) return entry.value
      entries.delete(token)
      return undefined
    },
    set(token, value, untilMs) {
      entries.delete(token)
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next()
        if (!oldest.done) entries.delete(oldest.value)
      }
      entries.set(token, { value, untilMs })
    },
  }
}
