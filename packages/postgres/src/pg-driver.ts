import pg from 'pg'
import { LOCK_NAMESPACE } from './migrations.js'
import type { SqlConnection, SqlDriver, SqlLock } from './sql-driver.js'
import { isTransient } from './store-errors.js'

async function run<Row>(client: pg.ClientBase, text: string, values?: readonly unknown[], name?: string) {
  const config = name ? { name, text, values: values as unknown[] } : { text, values: values as unknown[] }
  return (await client.query(config)).rows as Row[]
}

function connectionOf(client: pg.ClientBase): SqlConnection {
  return { query: (text, values, name) => run(client, text, values, name) }
}

/**
 * A driver over a `pg` pool. Each call checks a client out and gives it back itself: `pool.query()`
 * would destroy the connection whenever a statement fails, and a broken connection is only
 * discarded when the error says the connection is at fault.
 */
export function pgDriver(pool: pg.Pool, { ownsPool = true }: { ownsPool?: boolean } = {}): SqlDriver {
  const withClient = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect()
    let broken: Error | undefined
    try {
      return await work(client)
    } catch (error) {
      if (isTransient(error)) broken = error as Error
      throw error
    } finally {
      client.release(broken)
    }
  }
  return {
    query: (text, values, name) => withClient((client) => run(client, text, values, name)),
    transaction: (work) =>
      withClient(async (client) => {
        await client.query('BEGIN')
        try {
          const result = await work(connectionOf(client))
          await client.query('COMMIT')
          return result
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {})
          throw error
        }
      }),
    listen: (channel, onNotify) => listenOn(pool, channel, onNotify),
    tryLock: (key) => tryLockOn(pool, key),
    close: async () => {
      if (ownsPool) await pool.end()
    },
  }
}

/**
 * Holds a connection of its own (outside the pool, so queries keep every pooled connection) that
 * LISTENs on `channel`, and reconnects with back-off when it drops.
 */
async function listenOn(pool: pg.Pool, channel: string, onNotify: () => void): Promise<() => Promise<void>> {
  let client: pg.Client | undefined
  let stopped = false
  let retryMs = 100
  const connect = async (): Promise<void> => {
    if (stopped) return
    const next = new pg.Client(pool.options)
    next.on('notification', () => onNotify())
    next.on('error', () => {
      client = undefined
      next.end().catch(() => {})
      reconnect()
    })
    try {
      await next.connect()
      await next.query(`LISTEN "${channel.replaceAll('"', '""')}"`)
      client = next
      retryMs = 100
      onNotify() // appends may have landed while no one listened
    } catch {
      next.end().catch(() => {})
      reconnect()
    }
  }
  const reconnect = () => {
    if (stopped) return
    const timer = setTimeout(connect, retryMs)
    timer.unref?.()
    retryMs = Math.min(5000, retryMs * 2)
  }
  await connect()
  return async () => {
    stopped = true
    await client?.end().catch(() => {})
  }
}

/**
 * A session advisory lock on a connection of its own: held while that connection lives, so a
 * process that dies releases it and a standby elsewhere can take over.
 */
async function tryLockOn(pool: pg.Pool, key: string): Promise<SqlLock | undefined> {
  const client = new pg.Client(pool.options)
  let held = false
  // A dropped connection has released the lock: say so, and let the holder stand down.
  client.on('error', () => {
    held = false
  })
  client.on('end', () => {
    held = false
  })
  try {
    await client.connect()
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
      [LOCK_NAMESPACE + 2, key],
    )
    held = rows[0]?.locked === true
  } catch (error) {
    await client.end().catch(() => {})
    throw error
  }
  if (!held) {
    await client.end().catch(() => {})
    return undefined
  }
  return { release: () => client.end().catch(() => {}), held: () => held }
}
