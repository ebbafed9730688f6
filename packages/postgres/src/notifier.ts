/**
 * Wakes listeners after appends without slowing the appends. PostgreSQL serializes the commits of
 * all transactions that send NOTIFY, so the append never does: a separate NOTIFY goes out after the
 * append commits, at most one per `intervalMs`, shared by every append in between.
 */
export interface Notifier {
  /** Asks for a notification; returns at once. */
  poke(): void
  /** Sends what is pending now and resolves when nothing is in flight. */
  drain(): Promise<void>
}

/** The channel a schema's appends are announced on. */
export function channelOf(schema: string): string {
  return `eventcore_${schema}`
}

/**
 * Makes a {@link Notifier} over `send`. A failed send is dropped: listeners also poll.
 *
 * @example
 * const notifier = createNotifier(() => pool.query('SELECT pg_notify($1, $2)', [channelOf('eventcore'), '']))
 */
export function createNotifier(
  send: () => Promise<unknown>,
  { intervalMs = 5, now = () => performance.now() }: { intervalMs?: number; now?: () => number } = {},
): Notifier {
  let inFlight: Promise<void> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let pending = false
  let lastSent = Number.NEGATIVE_INFINITY

  const fire = (): void => {
    timer = undefined
    if (inFlight || !pending) return
    pending = false
    lastSent = now()
    inFlight = send()
      .then(
        () => {},
        () => {},
      )
      .finally(() => {
        inFlight = undefined
        if (pending) schedule()
      })
  }
  const schedule = (): void => {
    if (timer || inFlight) return
    const wait = lastSent + intervalMs - now()
    if (wait <= 0) fire()
    else {
      timer = setTimeout(fire, wait)
      timer.unref?.()
    }
  }
  return {
    poke() {
      pending = true
      schedule()
    },
    async drain() {
      if (timer) {
        clearTimeout(timer)
        fire()
      }
      while (inFlight) await inFlight
    },
  }
}
