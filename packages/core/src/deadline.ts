import { TimeoutError } from './errors.js'

/** A time limit for one command: races work against it, and is cleared when the command ends. */
export interface Deadline {
  race<T>(work: Promise<T>): Promise<T>
  clear(): void
}

/** Starts the clock; `race` rejects with a `TimeoutError` once `timeoutMs` have passed. */
export function createDeadline(timeoutMs: number): Deadline {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(timeoutMs)), timeoutMs)
  })
  expired.catch(() => {})
  return {
    race: (work) => Promise.race([work, expired]),
    clear: () => clearTimeout(timer),
  }
}
