import autocannon from 'autocannon'
import { type Measurement, measurementOf } from '../measure/measurement.js'

/** Options of {@link runHttpLoad}. */
export interface HttpLoadOptions {
  /** The server, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** Keep-alive connections, each sending its next request when the previous one is answered. */
  readonly connections: number
  /** Load before the measurement, not counted. */
  readonly warmupMs: number
  readonly durationMs: number
  /** A fresh request (with its own `setupRequest`) for each run: the warm-up and the measurement. */
  readonly request: () => autocannon.Request
  /** Called between the warm-up and the measured run, e.g. to read the server's CPU time. */
  readonly beforeMeasuring?: () => Promise<void>
}

/** A measured HTTP run: the rate counts 2xx answers only; the other answers and errors are counted apart. */
export interface HttpMeasurement extends Measurement {
  /** Answers with a status outside 200–299. */
  readonly non2xx: number
  /** Connection errors and timeouts (requests without an answer). */
  readonly errors: number
}

const SAMPLE_MS = 50

interface Collected {
  readonly result: autocannon.Result
  readonly latencies: number[]
  readonly ok: number
  readonly elapsedMs: number
}

function cannon(url: string, connections: number, durationMs: number, request: autocannon.Request): Promise<Collected> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = []
    let ok = 0
    const started = performance.now()
    const instance = autocannon(
      // autocannon checks its stop flag once per sample interval (1 s by default): sample often, stop on time.
      { url, connections, duration: durationMs / 1000, requests: [request], timeout: 10, sampleInt: SAMPLE_MS },
      (error: unknown, result) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)))
        else resolve({ result, latencies, ok, elapsedMs: performance.now() - started })
      },
    )
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime)
      if (statusCode >= 200 && statusCode < 300) ok += 1
    })
  })
}

/**
 * Loads a server with autocannon from `connections` connections: first for the warm-up, then for
 * the measured time. Latencies are per answer, from autocannon's own timing (request written to
 * answer read); p50/p95/p99 are nearest-rank, as in the other operations.
 *
 * @example
 * const m = await runHttpLoad({ url, connections: 8, warmupMs: 500, durationMs: 3000, request: () => registerRequest(token, next) })
 */
export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpMeasurement> {
  const { url, connections, warmupMs, durationMs, request, beforeMeasuring } = options
  if (warmupMs > 0) await cannon(url, connections, warmupMs, request())
  await beforeMeasuring?.()
  const { result, latencies, ok, elapsedMs } = await cannon(url, connections, durationMs, request())
  const non2xx = latencies.length - ok
  return { ...measurementOf(ok, elapsedMs, latencies), non2xx, errors: result.errors }
}

/** Options of {@link seedUsers}. */
export interface SeedOptions {
  readonly url: string
  readonly token: string
  readonly count: number
  /** Registrations in flight at once. */
  readonly concurrency: number
  readonly nextBody: () => string
}

const idOf = (body: unknown): string | undefined =>
  typeof body === 'object' && body !== null && 'id' in body && typeof body.id === 'string' ? body.id : undefined

/**
 * Registers `count` users through a server's `POST /api/v1/users`, resolving to their ids;
 * throws on the first answer that is not a 201 with an id.
 *
 * @example
 * const ids = await seedUsers({ url, token, count: 1000, concurrency: 8, nextBody: registerBodies('seed') })
 */
export async function seedUsers(options: SeedOptions): Promise<string[]> {
  const { url, token, count, concurrency, nextBody } = options
  const ids: string[] = []
  const register = async (): Promise<void> => {
    while (ids.length < count) {
      const response = await fetch(`${url}/api/v1/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: nextBody(),
      })
      const text = await response.text()
      const id = response.status === 201 ? idOf(JSON.parse(text)) : undefined
      if (id === undefined)
        throw new Error(`seeding: POST /api/v1/users answered ${response.status}: ${text.slice(0, 300)}`)
      if (ids.length < count) ids.push(id)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, register))
  return ids
}
