import type { BenchStore, Contender } from './contender.js'

/** Lets a stopping run close every store it opened before it drops their schemas. */
export interface OpenGate {
  /** The contender, opening only while the gate is open, its stores tracked until closed. */
  guard(contender: Contender): Contender
  /**
   * Refuses new opens, waits for the opens in flight, then closes every store still open (their
   * operations in flight finish or fail), so nothing of this run touches its schemas any more.
   */
  close(): Promise<void>
}

/**
 * Makes an {@link OpenGate}. Dropping a schema while a turn still writes to it can deadlock, and
 * dropping while a contender is still creating one would leave that one behind.
 */
export function createOpenGate(): OpenGate {
  let closed = false
  const opening = new Set<Promise<unknown>>()
  const open = new Set<BenchStore>()
  const track = (store: BenchStore): BenchStore => {
    let closing: Promise<void> | undefined
    const tracked: BenchStore = {
      ...store,
      close() {
        closing ??= store.close().finally(() => open.delete(tracked))
        return closing
      },
    }
    open.add(tracked)
    return tracked
  }
  return {
    guard: (contender) => ({
      ...contender,
      open(options) {
        if (closed) return Promise.reject(new Error('the run is stopping'))
        const result = contender.open(options).then(track)
        opening.add(result)
        const forget = () => {
          opening.delete(result)
        }
        result.then(forget, forget)
        return result
      },
    }),
    async close() {
      closed = true
      await Promise.allSettled([...opening])
      await Promise.allSettled([...open].map((store) => store.close()))
    },
  }
}
