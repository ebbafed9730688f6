/**
 * A consumer's wait between reads of the log (the projection runner's, `subscribe`'s): it sleeps,
 * and an append or a stop cuts the sleep short. An append heard while the consumer was reading is
 * remembered, so it reads again at once instead of sleeping past it.
 */
export interface WakeUp {
  /** Sleeps `ms`, or until `wake()`; returns at once when `stopped()` holds. */
  sleep(ms: number): Promise<void>
  /** Ends the sleep in progress, if any (a stop, an abort). */
  wake(): void
  /** The listener to give `store.onAppend`: remembers the append and wakes. */
  readonly onAppend: () => void
  /** True when an append was heard since the last `forget()`. */
  heard(): boolean
  /** Forgets the appends heard so far; call it before each read. */
  forget(): void
}

/**
 * Makes a {@link WakeUp}.
 *
 * @example
 * const wakeUp = createWakeUp(() => signal.aborted)
 * const off = store.onAppend(wakeUp.onAppend)
 * wakeUp.forget()
 * const page = await store.readAll({ after })
 * if (page.events.length === 0 && !wakeUp.heard()) await wakeUp.sleep(pollMs)
 */
export function createWakeUp(stopped: () => boolean): WakeUp {
  let wake: (() => void) | undefined
  let appended = false
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        if (stopped()) return resolve()
        const timer = setTimeout(resolve, ms)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      }).finally(() => {
        wake = undefined
      }),
    wake: () => wake?.(),
    onAppend: () => {
      appended = true
      wake?.()
    },
    heard: () => appended,
    forget: () => {
      appended = false
    },
  }
}
