/** One reading of the server's memory. */
export interface MemoryReading {
  /** Seconds since the measured load began. */
  readonly atSeconds: number
  readonly rssBytes: number
  readonly heapUsedBytes: number
}

/** Whether memory levelled off over a soak, and the figures that say so. */
export interface MemoryTrend {
  /** Median RSS over the second third of the readings. */
  readonly middleRssBytes: number
  /** Median RSS over the last third. */
  readonly lastRssBytes: number
  readonly maxRssBytes: number
  /** Least-squares slope of RSS over the second half of the readings, in MiB per minute. */
  readonly slopeMiBPerMinute: number
  /** The last third's median within `toleranceRatio` of the middle third's. */
  readonly plateaued: boolean
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
}

function slope(points: readonly MemoryReading[]): number {
  const n = points.length
  if (n < 2) return 0
  const meanX = points.reduce((sum, p) => sum + p.atSeconds, 0) / n
  const meanY = points.reduce((sum, p) => sum + p.rssBytes, 0) / n
  let num = 0
  let den = 0
  for (const p of points) {
    num += (p.atSeconds - meanX) * (p.rssBytes - meanY)
    den += (p.atSeconds - meanX) ** 2
  }
  return den === 0 ? 0 : num / den
}

/**
 * Reads a soak's memory: the first third of the readings is the warm-up (caches filling, JIT), so
 * memory has levelled off when the last third's median RSS is within `toleranceRatio` of the
 * middle third's. A leak shows as a last third above that, and as a steady slope.
 *
 * @param toleranceRatio @default 0.05 (5 %)
 * @example
 * memoryTrend(readings).plateaued // true when RSS stopped growing
 */
export function memoryTrend(readings: readonly MemoryReading[], toleranceRatio = 0.05): MemoryTrend {
  if (readings.length < 6) throw new Error(`a memory trend needs at least 6 readings, got ${readings.length}`)
  const third = Math.floor(readings.length / 3)
  const middle = readings.slice(third, 2 * third).map((r) => r.rssBytes)
  const last = readings.slice(2 * third).map((r) => r.rssBytes)
  const middleRssBytes = median(middle)
  const lastRssBytes = median(last)
  return {
    middleRssBytes,
    lastRssBytes,
    maxRssBytes: Math.max(...readings.map((r) => r.rssBytes)),
    slopeMiBPerMinute: (slope(readings.slice(Math.floor(readings.length / 2))) * 60) / 2 ** 20,
    plateaued: lastRssBytes <= middleRssBytes * (1 + toleranceRatio),
  }
}

/**
 * Reads RSS and heap from a Prometheus text exposition (prom-client's default Node metrics);
 * `undefined` when either is missing.
 *
 * @example
 * memoryFromMetrics('process_resident_memory_bytes 1e8\nnodejs_heap_size_used_bytes 5e7\n', 3)
 * // { atSeconds: 3, rssBytes: 100000000, heapUsedBytes: 50000000 }
 */
export function memoryFromMetrics(text: string, atSeconds: number): MemoryReading | undefined {
  const value = (name: string) => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)
    return match?.[1] === undefined ? undefined : Number(match[1])
  }
  const rssBytes = value('process_resident_memory_bytes')
  const heapUsedBytes = value('nodejs_heap_size_used_bytes')
  if (rssBytes === undefined || heapUsedBytes === undefined || Number.isNaN(rssBytes + heapUsedBytes)) return undefined
  return { atSeconds, rssBytes, heapUsedBytes }
}
