import { StoreUnavailableError } from '@eventcore/core'
import type pg from 'pg'
import { isConnectionError, storeError } from './store-errors.js'

const ignore = () => {}

/**
 * Gives every client `pool` hands out an `error` listener of its own, for good, from the moment
 * pg-pool takes its idle listener off. pg-pool does that synchronously while it parses the
 * server's messages, and the caller's code only runs once the current chunk of messages is done:
 * a backend killed right after it said "ready" (both messages in one chunk, typical of a freshly
 * opened connection) emitted `error` in that gap with no listener, ending the process. Such a
 * client fails its first statement ("not queryable") and is destroyed as a lost connection.
 * Returns the function that stops guarding (for a pool that outlives the driver).
 *
 * @example
 * const unguard = guardPoolClients(pool)
 */
export function guardPoolClients(pool: pg.Pool): () => void {
  const guarded = new WeakSet<pg.PoolClient>()
  const guard = (client: pg.PoolClient) => {
    if (guarded.has(client)) return
    guarded.add(client)
    client.on('error', ignore)
  }
  pool.on('acquire', guard)
  return () => {
    pool.off('acquire', guard)
  }
}

/**
 * Checks a client out of `pool` for `work` and gives it back, guarded for the whole time we hold
 * it. pg-pool takes its own `error` listener off a client while it is checked out, so a
 * connection killed while we hold it (mid-query, or between BEGIN and COMMIT while the caller's
 * code runs) would emit `error` with no listener and end the process. Here it is caught, the work
 * in flight fails as a transient {@link StoreUnavailableError}, and the client is destroyed, never
 * returned to the pool. The wait for a free connection is bounded by `waitMs`.
 *
 * @example
 * const rows = await withCheckedOutClient(pool, { waitMs: 5000 }, (client) => client.query('SELECT 1'))
 */
export async function withCheckedOutClient<T>(
  pool: pg.Pool,
  { waitMs }: { waitMs: number },
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await checkOut(pool, waitMs)
  let lost: unknown
  const onError = (error: unknown) => {
    lost ??= error
  }
  client.on('error', onError)
  try {
    const result = await work(client)
    // The work finished (a COMMIT was acknowledged): a connection lost afterwards only retires the client.
    return result
  } catch (error) {
    if (lost === undefined && isConnectionError(error)) lost = error
    if (lost !== undefined) throw connectionLost(error, lost)
    throw error
  } finally {
    if (lost === undefined) {
      client.release()
      client.removeListener('error', onError)
    } else {
      client.release(lost instanceof Error ? lost : new Error(String(lost)))
      // The pool re-attached its idle listener, which would report this dead client's late errors
      // as pool errors (fatal on a pool without an 'error' listener): it is no longer the pool's.
      client.removeAllListeners('error')
      client.on('error', ignore)
    }
  }
}

/** A pooled client within `waitMs`, or a transient StoreUnavailableError: never an unbounded queue. */
async function checkOut(pool: pg.Pool, waitMs: number): Promise<pg.PoolClient> {
  let timer: NodeJS.Timeout | undefined
  let timedOut = false
  const connecting = pool.connect()
  const waited = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true
      reject(
        new StoreUnavailableError(`no database connection free within ${waitMs} ms (pool exhausted)`, {
          transient: true,
        }),
      )
    }, waitMs)
  })
  // A connection that arrives after we gave up goes straight back.
  connecting.then((client) => {
    if (timedOut) client.release()
  }, ignore)
  try {
    return await Promise.race([connecting, waited])
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error
    throw storeError('connecting to the database', error)
  } finally {
    clearTimeout(timer)
  }
}

function connectionLost(error: unknown, lost: unknown): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error
  const code = (lost as { code?: unknown }).code
  return new StoreUnavailableError(
    `database connection lost${typeof code === 'string' ? ` (${code})` : ''}: ${messageOf(lost)}`,
    { transient: true, cause: error },
  )
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
