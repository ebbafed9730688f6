/**
 * Wakes listeners after appends without slowing the appends: PostgreSQL serializes the commits of
 * every transaction that sends NOTIFY, so the append never does. Instead one NOTIFY goes out after
 * an append commits, and appends that land while it is in flight share the next one.
 */
export interface Notifier {
  /** Asks for a notification; returns at once. */
  poke(): void
  /** Resolves when nothing is in flight. */
  drain(): Promise<void>
}

/** The channel a schema's appends are announced on. */
export function channelOf(schema: string): string {
  return `eventcore_${schema}`
}

/** Makes a {@link Notifier} over `send`; a failed send is dropped (listeners also poll). */
export function createNotifier(send: () => Promise<unknown>): Notifier {
  let inFlight: Promise<void> | undefined
  let again = false
  const poke = (): void => {
    if (inFlight) {
      again = true
      return
    }
    inFlight = send()
      .then(
        () => {},
        () => {},
      )
      .finally(() => {
        inFlight = undefined
        if (again) {
          again = false
          poke()
        }
      })
  }
  return {
    poke,
    async drain() {
      while (inFlight) await inFlight
    },
  }
}
