import { type Measurement, measurementOf } from '../measure/measurement.js'

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Callers running the operation at once, each waiting for its previous call. */
  readonly concurrency: number
  /** Time spent running before anything is counted (connections, prepared statements, JIT). */
  readonly warmupMs: number
  /** Time during which operations are started and counted, after the warm-up. */
  readonly durationMs: number
  /** One operation; resolves to the retries it needed (0 for operations that never retry). */
  readonly operation: () => Promise<number>
}

/**
 * Runs an operation from `concurrency` callers for a fixed time and measures it. Every operation
 * started after the warm-up counts, with its latency; the rate divides them by the time from the
 * end of the warm-up to the last of them finishing.
 *
 * @example
 * const result = await runLoad({ concurrency: 8, warmupMs: 500, durationMs: 2000, operation: async () => 0 })
 */
export async function runLoad(options: LoadOptions): Promise<Measurement> {
  const { concurrency, warmupMs, durationMs, operation } = options
  const latencies: number[] = []
  let retries = 0
  const measureFrom = performance.now() + warmupMs
  const stopAt = measureFrom + durationMs
  let lastEnd = measureFrom
  const caller = async (): Promise<void> => {
    for (;;) {
      const began = performance.now()
      if (began >= stopAt) return
      const needed = await operation()
      const ended = performance.now()
      if (began < measureFrom) continue
      latencies.push(ended - began)
      retries += needed
      if (ended > lastEnd) lastEnd = ended
    }
  }
  await Promise.all(Array.from({ length: concurrency }, caller))
  const elapsedMs = lastEnd - measureFrom
  return measurementOf(latencies.length, elapsedMs, latencies, { retries })
}

/** Options of {@link runCatchUp}. */
export interface CatchUpOptions {
  /** Reads the next page of the log; resolves to the number of events it held. */
  readonly nextPage: () => Promise<number>
  /** The page size asked for: a shorter page ends the catch-up. */
  readonly pageSize: number
  /** How many events the log holds; a different count is reported in the note. */
  readonly expected: number
}

/**
 * Reads a log from its start to its end, page by page, as a consumer catching up would, and
 * measures events per second and the latency of each page.
 */
export async function runCatchUp(options: CatchUpOptions): Promise<Measurement> {
  const { nextPage, pageSize, expected } = options
  const latencies: number[] = []
  let events = 0
  const started = performance.now()
  for (;;) {
    const began = performance.now()
    const read = await nextPage()
    latencies.push(performance.now() - began)
    events += read
    if (read < pageSize) break
  }
  const elapsedMs = performance.now() - started
  const note =
    events === expected
      ? undefined
      : `read ${events.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} events`
  return measurementOf(events, elapsedMs, latencies, { note })
}
