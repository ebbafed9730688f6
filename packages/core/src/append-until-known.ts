import type { Deadline } from './deadline.js'
import { type ConcurrencyError, isRetryable, ValidationError } from './errors.js'
import type { AppendSuccess, EventStore, StreamWrite } from './event-store.js'

/** The attempts a command may still make; its tries and its re-appends share them. */
export interface AppendBudget {
  /** Attempts allowed in all (the guessed first one of `assumeNewStreams` included). */
  readonly limit: number
  /** 1 when the first attempt was a guess that streams are new, else 0. */
  readonly guessed: number
  readonly progress: { attempts: number }
  readonly command: string
}

/**
 * Appends, and when the store fails in a way that may hide a commit (the connection died during
 * COMMIT), appends the very same writes again, same event ids and expected versions, until the
 * store gives a definite answer: `duplicate` means the first try committed. Deciding again instead
 * would apply the command twice (a transfer debited twice, a registration refused as
 * `user-exists` by its own write). A conflict or a validation error is definite: the caller reads
 * and decides again as usual, so the store's thrown `ValidationError` comes back as a failure, next
 * to its returned conflicts. When the attempts run out, the transient error is thrown: the
 * outcome is then unknown, and only the event ids can tell.
 */
export async function appendUntilKnown({
  store,
  writes,
  expectedVersions,
  deadline,
  budget,
  wait,
}: {
  readonly store: EventStore
  readonly writes: readonly StreamWrite[]
  readonly expectedVersions: ReadonlyMap<string, number>
  readonly deadline: Deadline
  readonly budget: AppendBudget
  /** Reports the retry, counts the attempt and backs off. */
  readonly wait: (budget: AppendBudget, deadline: Deadline, reason: 'store-unavailable') => Promise<void>
}): Promise<AppendSuccess | { readonly ok: false; readonly error: ConcurrencyError | ValidationError }> {
  for (;;) {
    try {
      return await deadline.race(store.append(writes, { expectedVersions }))
    } catch (error) {
      if (error instanceof ValidationError) return { ok: false, error }
      if (!isRetryable(error) || budget.progress.attempts >= budget.limit) throw error
      await wait(budget, deadline, 'store-unavailable')
    }
  }
}
