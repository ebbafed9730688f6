import { TimeoutError } from './errors.js'

/** A time limit for one command: races work against it, and is cleared when the command ends. */
export interface Deadline {
  race<T>(work: Promise<T>): Promise<T>
  clear(): void
}

/**
 * Starts the clock; `race` rejects with a `TimeoutError` once `timeoutMs` have passed, or as soon
 * as `signal` aborts (the caller gave up: a client that disconnected, a request out of budget),
 * whichever comes first.
 */
export function createDeadline(timeoutMs: number, signal?: AbortSignal): Deadline {
  let timer: ReturnType<typeof setTimeout> | undefined
  let onAbort: (() => void) | undefined
  const started = performance.now()
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(timeoutMs)), timeoutMs)
    if (!signal) return
    const abort = () => {
      const elapsed = Math.round(performance.now() - started)
      reject(new TimeoutError(elapsed, `the caller gave up on the command after ${elapsed} ms (its signal aborted)`))
    }
    if (signal.aborted) abort()
    else {
      onAbort = abort
      signal.addEventListener('abort', abort, { once: true })
    }
  })
  expired.catch(() => {})
  return {
    race: (work) => Promise.race([work, expired]),
    clear: () => {
      clearTimeout(timer)
      if (onAbort) signal?.removeEventListener('abort', onAbort)
    },
  }
}
