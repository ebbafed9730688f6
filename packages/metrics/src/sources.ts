import { Counter, Gauge, type Registry } from 'prom-client'

/** The connection pool as the service sees it, e.g. from `pg.Pool`. */
export interface PoolStats {
  /** Connections open, idle or busy (`pool.totalCount`). */
  readonly total: number
  /** Open connections nobody uses (`pool.idleCount`). */
  readonly idle: number
  /** Callers queued for a connection (`pool.waitingCount`). */
  readonly waiting: number
  /** The pool's limit (`pool.options.max`). */
  readonly max: number
}

/** Where the gauges that the executor cannot see get their values, read at scrape time. */
export interface MetricSources {
  /**
   * How many streams the store holds, e.g. `SELECT COUNT(DISTINCT stream_id) FROM events`. It may be
   * slow on a big store, so its answer is cached for `activeStreamsTtlMs`.
   */
  readonly activeStreams?: () => Promise<number>
  /** How long an `activeStreams` answer is reused. @default 30000 */
  readonly activeStreamsTtlMs?: number
  /** A scrape waits this long for `activeStreams`, then answers with the last value. @default 2000 */
  readonly activeStreamsTimeoutMs?: number
  /** The pool's numbers, read on every scrape (cheap counters). */
  readonly pool?: () => PoolStats
}

/** A number read from an async source, reused while fresh, and kept when a read fails or is late. */
export interface CachedReading {
  /** The value to report now: the fresh one when the source answered in time, else the last good one. */
  read(): Promise<number | undefined>
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0

/** Wraps `source` so scrapes share one read per `ttlMs` and never wait more than `timeoutMs`. */
export function cachedReading(
  source: () => Promise<number>,
  { ttlMs, timeoutMs, clock }: { ttlMs: number; timeoutMs: number; clock: () => Date },
): CachedReading {
  let last: number | undefined
  let readAt = Number.NEGATIVE_INFINITY
  let pending: Promise<void> | undefined

  const refresh = () => {
    pending ??= Promise.resolve()
      .then(source)
      .then(
        (value) => {
          // A bad answer counts as a failure: the last good value stays and the next scrape asks again.
          if (!isCount(value)) return
          last = value
          readAt = clock().getTime()
        },
        () => {},
      )
      .finally(() => {
        pending = undefined
      })
    return pending
  }

  return {
    async read() {
      if (clock().getTime() - readAt < ttlMs) return last
      let timer: ReturnType<typeof setTimeout> | undefined
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs)
        timer.unref?.()
      })
      await Promise.race([refresh(), late])
      clearTimeout(timer)
      return last
    },
  }
}

/** The store and pool gauges, and the setter the service calls once it has a store and a pool. */
export interface SourceMetrics {
  set(sources: MetricSources): void
  countPoolError(): void
}

/** Registers `eventcore_active_streams` and the `eventcore_connection_pool_*` metrics on `registry`. */
export function createSourceMetrics(registry: Registry, clock: () => Date): SourceMetrics {
  let activeStreams: CachedReading | undefined
  let pool: (() => PoolStats) | undefined
  const registers = [registry]

  new Gauge({
    name: 'eventcore_active_streams',
    help: 'Streams in the store (cached; 0 until a source answers)',
    registers,
    async collect() {
      const value = await activeStreams?.read()
      if (value !== undefined) this.set(value)
    },
  })

  // Each gauge reads the pool itself: the registry collects them concurrently, in no set order.
  const poolGauge = (name: string, help: string, pick: (stats: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        try {
          const value = pool ? pick(pool()) : undefined
          if (isCount(value)) this.set(value)
        } catch {
          // The pool could not say: keep the last value rather than fail the scrape.
        }
      },
    })
  poolGauge('eventcore_connection_pool_size', 'Connections open in the pool, idle or busy', (s) => s.total)
  poolGauge('eventcore_connection_pool_max_size', 'The most connections the pool opens', (s) => s.max)
  poolGauge('eventcore_connection_pool_idle', 'Open connections in the pool nobody uses', (s) => s.idle)
  poolGauge('eventcore_connection_pool_waiting', 'Callers queued for a connection', (s) => s.waiting)
  const poolErrors = new Counter({
    name: 'eventcore_connection_pool_errors_total',
    help: 'Errors the connection pool reported (lost or refused connections)',
    registers,
  })

  return {
    set(sources) {
      const { activeStreamsTtlMs = 30_000, activeStreamsTimeoutMs = 2000 } = sources
      if (!(activeStreamsTtlMs >= 0) || !(activeStreamsTimeoutMs >= 0)) {
        throw new RangeError('activeStreamsTtlMs and activeStreamsTimeoutMs must be numbers ≥ 0')
      }
      activeStreams =
        sources.activeStreams &&
        cachedReading(sources.activeStreams, { ttlMs: activeStreamsTtlMs, timeoutMs: activeStreamsTimeoutMs, clock })
      pool = sources.pool
    },
    countPoolError() {
      poolErrors.inc()
    },
  }
}
