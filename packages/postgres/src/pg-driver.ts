import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { LOCK_NAMESPACE } from './migrations.js'
import { guardPoolClients, withCheckedOutClient } from './pg-checkout.js'
import type { SqlConnection, SqlDriver, SqlLock } from './sql-driver.js'
import { storeError } from './store-errors.js'

async function run<Row>(client: pg.ClientBase, text: string, values?: readonly unknown[], name?: string) {
  const config = name ? { name, text, values: values as unknown[] } : { text, values: values as unknown[] }
  return (await client.query(config)).rows as Row[]
}

function connectionOf(client: pg.ClientBase): SqlConnection {
  return {
    query: (text, values, name) => run(client, text, values, name),
    copyFrom: (target, rows) => copyInto(client, target, rows),
  }
}

async function copyInto(client: pg.ClientBase, target: string, rows: string): Promise<void> {
  await pipeline(Readable.from([rows]), client.query(copyFrom(`COPY ${target} FROM STDIN`)))
}

/** Options of {@link pgDriver}. */
export interface PgDriverOptions {
  /** End the pool on `close()`. False for a pool you manage. @default true */
  readonly ownsPool?: boolean
  /** Longest wait for a free pooled connection, in milliseconds, before failing as store-unavailable. @default 5000 */
  readonly poolWaitMs?: number
}

/**
 * A driver over a `pg` pool. Each call checks a client out and gives it back itself: `pool.query()`
 * would destroy the connection whenever a statement fails, and a broken connection is only
 * discarded when the error says the connection is at fault. Every client it holds — pooled, the
 * LISTEN connection, a lock's connection — has an `error` listener for as long as it is held, so a
 * connection killed at any moment fails the work in flight as store-unavailable and never the process.
 *
 * @example
 * const driver = pgDriver(new pg.Pool({ connectionString }), { poolWaitMs: 2000 })
 */
export function pgDriver(pool: pg.Pool, { ownsPool = true, poolWaitMs = 5000 }: PgDriverOptions = {}): SqlDriver {
  const withClient = <T>(work: (client: pg.PoolClient) => Promise<T>) =>
    withCheckedOutClient(pool, { waitMs: poolWaitMs }, work)
  const unguard = guardPoolClients(pool)
  return {
    query: (text, values, name) => withClient((client) => run(client, text, values, name)),
    copyFrom: (target, rows) => withClient((client) => copyInto(client, target, rows)),
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
      unguard()
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
  let timer: NodeJS.Timeout | undefined
  const connect = async (): Promise<void> => {
    timer = undefined
    if (stopped) return
    const next = new pg.Client(pool.options)
    let retired = false
    // Listens for the client's whole life: a dead connection's late errors must reach a listener.
    const retire = () => {
      if (retired) return
      retired = true
      if (client === next) client = undefined
      next.end().catch(() => {})
      reconnect()
    }
    next.on('error', retire)
    next.on('end', retire)
    next.on('notification', () => onNotify())
    try {
      await next.connect()
      await next.query(`LISTEN "${channel.replaceAll('"', '""')}"`)
      if (retired) return
      if (stopped) {
        retired = true
        await next.end().catch(() => {})
        return
      }
      client = next
      retryMs = 100
      onNotify() // appends may have landed while no one listened
    } catch {
      retire()
    }
  }
  const reconnect = () => {
    if (stopped || timer) return
    timer = setTimeout(connect, retryMs)
    timer.unref?.()
    retryMs = Math.min(5000, retryMs * 2)
  }
  await connect()
  return async () => {
    stopped = true
    clearTimeout(timer)
    const last = client
    client = undefined
    await last?.end().catch(() => {})
  }
}

/**
 * A session advisory lock on a connection of its own: held while that connection lives, so a
 * process that dies releases it and a standby elsewhere can take over.
 */
async function tryLockOn(pool: pg.Pool, key: string): Promise<SqlLock | undefined> {
  const client = new pg.Client(pool.options)
  let held = false
  // A dropped connection has released the lock: say so, and let the holder stand down. The
  // listener stays for the client's whole life, so a late error never goes unheard.
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
    throw storeError('taking a lock', error)
  }
  if (!held) {
    await client.end().catch(() => {})
    return undefined
  }
  return { release: () => client.end().catch(() => {}), held: () => held }
}
