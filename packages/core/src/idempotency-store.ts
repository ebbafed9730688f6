/**
 * The `Idempotency-Key` store contract: what `@eventcore/http` asks of the place that remembers
 * keyed requests, and an implementation in memory. `@eventcore/postgres` has the shared one
 * (`createSqlIdempotencyStore`); `idempotencyStoreContract` of `@eventcore/core/testing` checks any.
 *
 * @example
 * import { createMemoryIdempotencyStore } from '@eventcore/core/idempotency'
 *
 * await app.register(eventcoreHttp, { idempotency: { store: createMemoryIdempotencyStore() } })
 *
 * @module
 */
/** A response as an idempotency store keeps it, to answer a retry with. */
export interface StoredResponse {
  readonly status: number
  /** The replayed headers, lower-case names: `content-type`, `location` and `etag` when they were set. */
  readonly headers: Readonly<Record<string, string>>
  /** The body exactly as it was sent. */
  readonly body: string
}

/** One attempt at a keyed request: `complete` and `release` act only on the entry this attempt holds. */
export interface IdempotencyAttempt {
  /** Whose key it is: the caller's principal id, or `anonymous`. */
  readonly scope: string
  readonly key: string
  /** Unique per attempt, so a request whose entry was taken over cannot overwrite its successor's. */
  readonly attempt: string
}

/** What {@link IdempotencyStore.begin} is asked. */
export interface IdempotencyBeginInput extends IdempotencyAttempt {
  /** Identifies the request (method, URL, body); a retry with the same key must match it. */
  readonly fingerprint: string
  readonly now: Date
  /** When a new entry expires; after that the key starts afresh. */
  readonly expiresAt: Date
  /** An entry still in progress that began before this was abandoned (its process died) and is taken over. */
  readonly staleBefore: Date
}

/** What a request with a key does: run, answer with the stored response, or be refused. */
export type IdempotencyBegin =
  | { readonly kind: 'started' }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'in-progress' }
  | { readonly kind: 'mismatch' }

/**
 * Where `Idempotency-Key` entries live. `begin` must be atomic: of any number of concurrent begins
 * for one (scope, key), exactly one is `started`.
 */
export interface IdempotencyStore {
  /** Claims the key for this attempt, or says why not: a stored response, one in progress, another request. */
  begin(input: IdempotencyBeginInput): Promise<IdempotencyBegin>
  /** Stores the response of the attempt that holds the key; later begins with its fingerprint replay it. */
  complete(attempt: IdempotencyAttempt, response: StoredResponse): Promise<void>
  /** Forgets the key the attempt holds (it failed in a way worth retrying), so the next begin starts. */
  release(attempt: IdempotencyAttempt): Promise<void>
}

/** Options of {@link createMemoryIdempotencyStore}. */
export interface MemoryIdempotencyStoreOptions {
  /** Entries kept at most; past it the oldest is forgotten. @default 100000 */
  readonly maxEntries?: number
}

interface Entry {
  readonly fingerprint: string
  readonly attempt: string
  readonly createdAt: number
  readonly expiresAt: number
  readonly response: StoredResponse | undefined
}

/**
 * Idempotency entries in this process's memory: for tests and single-process services. Several
 * replicas need a shared store, such as `createSqlIdempotencyStore` of `@eventcore/postgres`.
 *
 * @example
 * await app.register(eventcoreHttp, { idempotency: { store: createMemoryIdempotencyStore() } })
 */
export function createMemoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): IdempotencyStore {
  const { maxEntries = 100_000 } = options
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
    throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`)
  // Insertion order is begin order, so with one TTL the oldest expire first and a sweep can stop
  // at the first entry that is still live.
  const entries = new Map<string, Entry>()
  const idOf = ({ scope, key }: IdempotencyAttempt) => JSON.stringify([scope, key])
  const sweep = (now: number) => {
    for (const [id, entry] of entries) {
      if (entry.expiresAt > now) return
      entries.delete(id)
    }
  }
  const evictOldest = () => {
    for (const id of entries.keys()) {
      if (entries.size < maxEntries) return
      entries.delete(id)
    }
  }
  const held = (attempt: IdempotencyAttempt): Entry | undefined => {
    const entry = entries.get(idOf(attempt))
    return entry?.attempt === attempt.attempt && entry.response === undefined ? entry : undefined
  }

  return {
    async begin(input) {
      const now = input.now.getTime()
      sweep(now)
      const id = idOf(input)
      const existing = entries.get(id)
      const live =
        existing !== undefined &&
        existing.expiresAt > now &&
        (existing.response !== undefined || existing.createdAt >= input.staleBefore.getTime())
      if (live) {
        if (existing.fingerprint !== input.fingerprint) return { kind: 'mismatch' }
        return existing.response ? { kind: 'replay', response: existing.response } : { kind: 'in-progress' }
      }
      entries.delete(id)
      evictOldest()
      entries.set(id, {
        fingerprint: input.fingerprint,
        attempt: input.attempt,
        createdAt: now,
        expiresAt: input.expiresAt.getTime(),
        response: undefined,
      })
      return { kind: 'started' }
    },
    async complete(attempt, response) {
      const entry = held(attempt)
      if (entry) entries.set(idOf(attempt), { ...entry, response })
    },
    async release(attempt) {
      if (held(attempt)) entries.delete(idOf(attempt))
    },
  }
}
