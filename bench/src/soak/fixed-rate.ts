/** One request of an open-loop run, as measured. */
export interface RateSample {
  /** The operation's name, e.g. `register`. */
  readonly op: string
  /** When the request was due, in milliseconds since the run started. */
  readonly dueMs: number
  /**
   * From when the request was due (not when it was sent) to its answer: a server that falls behind
   * is charged for the wait it causes, so slow periods are not hidden (no coordinated omission).
   */
  readonly latencyMs: number
  /** The HTTP status; `error` when no answer came; `dropped` when too many were in flight to send it. */
  readonly status: number | 'error' | 'dropped'
}

/** A request the workload makes: its name and how to send it, resolving to the HTTP status. */
export interface PlannedRequest {
  readonly op: string
  readonly send: () => Promise<number>
}

/** Options of {@link runAtFixedRate}. */
export interface FixedRateOptions {
  /** Requests per second, whatever the server's answers do. */
  readonly rate: number
  readonly durationMs: number
  /** Requests in flight at most; one due beyond that is recorded as `dropped` and not sent. */
  readonly maxInFlight: number
  /** The `n`-th request of the run (0-based). */
  readonly plan: (n: number) => PlannedRequest
  /** Called with each sample as it completes. @default none */
  readonly onSample?: (sample: RateSample) => void
  /** @default performance.now */
  readonly now?: () => number
  /** @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Sends requests at a fixed rate for a fixed time (an open loop: the schedule never waits for
 * answers), and resolves once every request sent has been answered, with one sample per request
 * due. A request that throws counts as `error`.
 *
 * @example
 * const samples = await runAtFixedRate({
 *   rate: 200, durationMs: 60_000, maxInFlight: 256,
 *   plan: () => ({ op: 'get', send: async () => (await fetch(url)).status }),
 * })
 */
export async function runAtFixedRate(options: FixedRateOptions): Promise<RateSample[]> {
  const { rate, durationMs, maxInFlight, plan, onSample, now = () => performance.now(), sleep = defaultSleep } = options
  if (!(rate > 0) || !(durationMs > 0) || !(maxInFlight >= 1))
    throw new RangeError('rate, durationMs and maxInFlight must be positive')
  const samples: RateSample[] = []
  const record = (sample: RateSample) => {
    samples.push(sample)
    onSample?.(sample)
  }
  const inFlight = new Set<Promise<void>>()
  const started = now()
  const intervalMs = 1000 / rate
  const total = Math.floor((durationMs / 1000) * rate)
  for (let n = 0; n < total; n++) {
    const dueMs = n * intervalMs
    const wait = started + dueMs - now()
    if (wait > 0) await sleep(wait)
    const { op, send } = plan(n)
    if (inFlight.size >= maxInFlight) {
      record({ op, dueMs, latencyMs: 0, status: 'dropped' })
      continue
    }
    const request = send()
      .then(
        (status) => record({ op, dueMs, latencyMs: now() - started - dueMs, status }),
        () => record({ op, dueMs, latencyMs: now() - started - dueMs, status: 'error' }),
      )
      .finally(() => inFlight.delete(request))
    inFlight.add(request)
  }
  await Promise.all(inFlight)
  return samples
}
