import {
  ANY_VERSION,
  type AppendResult,
  ConcurrencyError,
  createUpcaster,
  type EventStore,
  type Upcaster,
} from '@eventcore/core'
import {
  type AppendLimits,
  type AppendPlan,
  checkReadAll,
  checkReadStream,
  checkStreamIds,
  planAppend,
} from '@eventcore/core/store-kit'
import { createGroupCommit, type Outcome } from './group-commit.js'
import { channelOf, createNotifier } from './notifier.js'
import type { SchemaName } from './schema-name.js'
import { appendBatch } from './sql/append-batch.js'
import { appendEvents } from './sql/append-events.js'
import { readAll } from './sql/read-all.js'
import { readStream } from './sql/read-stream.js'
import { readStreams } from './sql/read-streams.js'
import { streamVersion } from './sql/stream-version.js'
import type { SqlDriver } from './sql-driver.js'
import { isDataError, storeError, withStoreErrors } from './store-errors.js'

/** Options shared by the PostgreSQL and PGlite stores. */
export interface SqlStoreOptions {
  /** Schema holding EventCore's tables. @default 'eventcore' */
  readonly schema?: string
  /** What one append may hold. @default { maxEventBytes: 1048576, maxStreamIdLength: 512, maxEventsPerAppend: 10000 } */
  readonly limits?: AppendLimits
  /** Events fetched per query when reading streams. @default 1000 */
  readonly pageSize?: number
  /** Bring old events up to their current shape on every read. @default [] */
  readonly upcasters?: readonly Upcaster[]
  /**
   * `true`: apply pending migrations on open. `false` (a separate migrator role runs them): check the
   * schema is up to date and refuse to open otherwise. `'inspect'`: neither, for tools that report
   * the schema's state (e.g. `eventcore-cli health-check database`). @default true
   */
  readonly migrate?: boolean | 'inspect'
  /**
   * `true`: appends that arrive while the store's previous append statement is still running are
   * sent together, as one statement in one transaction (one commit for many appends), each with its
   * own result; an append arriving while the store is idle goes out at once, alone. `false`: one
   * statement per append. See docs/stores.md, "Group commit". @default true
   */
  readonly groupCommit?: boolean
}

/** An EventStore on SQL, with the driver and schema it uses (for projections and tools). */
export interface SqlEventStore extends EventStore {
  readonly driver: SqlDriver
  readonly schema: SchemaName
}

/** Builds the store over a driver; both SQL stores are this with a different driver. */
export function createSqlStore(
  driver: SqlDriver,
  schema: SchemaName,
  options: { limits?: AppendLimits; pageSize?: number; upcasters?: readonly Upcaster[]; groupCommit?: boolean },
): SqlEventStore {
  const { limits, pageSize = 1000, upcasters = [], groupCommit = true } = options
  const upcast = createUpcaster(upcasters)
  const channel = channelOf(schema.name)
  const listeners = new Set<() => void>()
  const wakeAll = () => {
    for (const listener of listeners) listener()
  }
  let listening: Promise<(() => Promise<void>) | undefined> | undefined
  const stopListening = async () => {
    const stop = await listening
    listening = undefined
    await stop?.()
  }
  // A NOTIFY transaction commits like a write; losing one in a crash is harmless (listeners also
  // poll), so it does not wait for the WAL flush.
  const notifier = createNotifier(() =>
    driver.query(
      `SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)`,
      [channel, ''],
      'eventcore_notify',
    ),
  )
  // Wakes this process's listeners and, by NOTIFY, other processes': once per statement that wrote.
  const announce = () => {
    notifier.poke()
    if (listeners.size > 0) queueMicrotask(wakeAll)
  }
  const appendAlone = async (plan: AppendPlan): Promise<AppendResult> => {
    const result = await appendEvents(driver, schema, plan)
    if (result.ok && !result.duplicate) announce()
    return result
  }
  const appendTogether = async (plans: readonly AppendPlan[]): Promise<Array<Outcome<AppendResult>>> => {
    let outcomes: Array<Outcome<AppendResult>>
    try {
      outcomes = await appendBatch(driver, schema, plans)
    } catch (error) {
      // Data the statement could not even take (each append's own data is checked inside it) is
      // one append's fault, and the failed statement wrote nothing: each goes again alone.
      if (!isDataError(error)) throw error
      return Promise.all(plans.map((plan) => appendAlone(plan).then(succeeded, failed)))
    }
    if (outcomes.some((o) => o.ok && o.result.ok && !o.result.duplicate)) announce()
    return outcomes
  }
  const send = groupCommit
    ? createGroupCommit({ one: appendAlone, many: appendTogether, maxInFlight: MAX_IN_FLIGHT, maxBatch: MAX_BATCH })
        .submit
    : appendAlone
  return {
    driver,
    schema,
    async append(writes, appendOptions) {
      const plan = planAppend(writes, appendOptions, limits)
      // A unique violation means a concurrent append took the same stream version (or event id)
      // first and has committed by now: running again reports the conflict, or succeeds for
      // streams appended without an expected version. In a batch, an append the database chose
      // as a deadlock victim was rolled back alone: it runs again too.
      for (let attempt = 1; ; attempt++) {
        try {
          return await send(plan)
        } catch (error) {
          const retried = isUniqueViolation(error) || (isDeadlock(error) && attempt < MAX_UNIQUE_RETRIES)
          // A ValidationError (the database refused the data) is thrown like every other bad input.
          if (!retried) throw storeError('append', error)
          if (attempt === MAX_UNIQUE_RETRIES) {
            // Still racing after several runs: name the written streams, with what was expected.
            const expected = new Map(plan.checks.map((c) => [c.streamId, c.expected]))
            const moved = plan.streams.map((streamId) => ({
              streamId,
              expected: expected.get(streamId) ?? ANY_VERSION,
              actual: undefined,
            }))
            return { ok: false, error: new ConcurrencyError(moved) }
          }
        }
      }
    },
    readStream: async (streamId, options) => {
      const { fromVersion } = checkReadStream(streamId, options)
      const slice = await withStoreErrors('readStream', () =>
        readStream(driver, schema, { streamId, fromVersion, pageSize }),
      )
      return upcasters.length ? { ...slice, events: slice.events.map(upcast) } : slice
    },
    readStreams: async (ids) => {
      const streamIds = checkStreamIds(ids)
      const slices = await withStoreErrors('readStreams', () => readStreams(driver, schema, { streamIds, pageSize }))
      if (upcasters.length)
        for (const [id, slice] of slices) slices.set(id, { ...slice, events: slice.events.map(upcast) })
      return slices
    },
    readAll: async (options) => {
      const { after, limit } = checkReadAll(options)
      const page = await withStoreErrors('readAll', () => readAll(driver, schema, { after, limit }))
      return upcasters.length ? { ...page, events: page.events.map(upcast) } : page
    },
    streamVersion: async (streamId) => {
      checkReadStream(streamId)
      return withStoreErrors('streamVersion', () => streamVersion(driver, schema, streamId))
    },
    onAppend(listener) {
      const once = () => listener()
      listeners.add(once)
      // Other processes' appends arrive by NOTIFY; a failed LISTEN leaves subscribers polling.
      listening ??= driver.listen(channel, wakeAll).catch(() => undefined)
      return () => {
        listeners.delete(once)
        if (listeners.size === 0) void stopListening()
      }
    },
    async close() {
      listeners.clear()
      await stopListening()
      await notifier.drain()
      await driver.close()
    },
  }
}

const MAX_UNIQUE_RETRIES = 5
// Each append of a batch that writes in a subtransaction takes a subtransaction id, and so may the
// batch's one INSERT of its fast appends: 63 stays within PostgreSQL's cache of 64 per transaction.
const MAX_BATCH = 63
// Batches in flight at once per store (see docs/stores.md, "Group commit", for the measurements).
const MAX_IN_FLIGHT = 1

const succeeded = (result: AppendResult): Outcome<AppendResult> => ({ ok: true, result })
const failed = (error: unknown): Outcome<AppendResult> => ({ ok: false, error })

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
}

function isUniqueViolation(error: unknown): boolean {
  return codeOf(error) === '23505'
}

function isDeadlock(error: unknown): boolean {
  return codeOf(error) === '40P01'
}
