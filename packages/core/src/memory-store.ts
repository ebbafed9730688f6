/**
 * The in-memory store: the whole contract, no I/O. For tests, demos and single-process tools.
 *
 * @module
 */
import { type AppendLimits, type AppendPlan, planAppend, reusedIdsError, versionsAfter } from './append-plan.js'
import { ConcurrencyError, type StreamConflict } from './errors.js'
import { compareCursors, cursorOf as cursor, type RecordedEvent } from './event.js'
import type { AppendResult, EventStore, ReadAllPage, StreamSlice } from './event-store.js'
import { versionMatches } from './expected-version.js'
import { jsonEqual } from './json-value.js'
import { checkReadAll, checkReadStream, checkStreamIds } from './read-options.js'
import { createUpcaster, type Upcaster } from './upcasting.js'

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** What one append may hold. @default { maxEventBytes: 1048576, maxStreamIdLength: 512, maxEventsPerAppend: 10000 } */
  readonly limits?: AppendLimits
  /** @default () => new Date() */
  readonly clock?: () => Date
  /** Bring old events up to their current shape on every read. @default [] */
  readonly upcasters?: readonly Upcaster[]
}

/**
 * Makes an in-memory event store. Each append is one "transaction", so its cursor order is
 * simply the append order.
 *
 * @example
 * const store = createMemoryStore()
 * await store.append([{ streamId: 'account-1', events: [{ type: 'Opened', data: {} }] }])
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): EventStore {
  const { limits, clock = () => new Date(), upcasters = [] } = options
  const upcast = createUpcaster(upcasters)
  const listeners = new Set<() => void>()
  const log: RecordedEvent[] = []
  const streams = new Map<string, RecordedEvent[]>()
  const byId = new Map<string, RecordedEvent>()
  let transactions = 0

  const sliceOf = (streamId: string, fromVersion = 1): StreamSlice => {
    const events = streams.get(streamId) ?? []
    return { streamId, version: events.length, events: events.slice(Math.max(0, fromVersion - 1)).map(upcast) }
  }

  function replay(plan: AppendPlan): AppendResult | undefined {
    if (!plan.idsSupplied) return undefined // generated ids cannot be stored already
    const found = plan.events.map((e) => byId.get(e.eventId))
    if (found.every((e) => e === undefined)) return undefined
    const transaction = found[0]?.transactionId
    const same = found.every(
      (stored, i) =>
        stored !== undefined &&
        stored.transactionId === transaction && // one earlier append, as a whole
        stored.streamId === plan.events[i]?.streamId &&
        stored.type === plan.events[i]?.type &&
        jsonEqual(stored.data, JSON.parse(plan.events[i]?.dataJson ?? 'null')),
    )
    if (!same) throw reusedIdsError(plan, found)
    const events = found as RecordedEvent[]
    return { ok: true, duplicate: true, events, versions: versionsAfter(events) }
  }

  return {
    async append(writes, options) {
      const plan = planAppend(writes, options, limits)
      const replayed = replay(plan)
      if (replayed) return replayed
      const conflicts: StreamConflict[] = []
      for (const { streamId, expected } of plan.checks) {
        const actual = streams.get(streamId)?.length ?? 0
        if (!versionMatches(expected, actual)) conflicts.push({ streamId, expected, actual })
      }
      if (conflicts.length > 0) return { ok: false, error: new ConcurrencyError(conflicts) }

      const transactionId = ++transactions
      const recordedAt = clock()
      const events = plan.events.map((e): RecordedEvent => {
        const stream = streams.get(e.streamId) ?? []
        streams.set(e.streamId, stream)
        const event = {
          eventId: e.eventId,
          streamId: e.streamId,
          streamVersion: stream.length + 1,
          globalPosition: log.length + 1,
          transactionId,
          type: e.type,
          schemaVersion: e.schemaVersion,
          data: JSON.parse(e.dataJson),
          metadata: e.metadataJson === '{}' ? {} : JSON.parse(e.metadataJson),
          recordedAt,
        } as RecordedEvent
        stream.push(event)
        log.push(event)
        byId.set(e.eventId, event)
        return event
      })
      if (listeners.size > 0)
        queueMicrotask(() => {
          for (const listener of listeners) listener()
        })
      return { ok: true, duplicate: false, events, versions: versionsAfter(events) }
    },

    async readStream(streamId, options) {
      return sliceOf(streamId, checkReadStream(streamId, options).fromVersion)
    },

    async readStreams(streamIds) {
      return new Map(checkStreamIds(streamIds).map((id) => [id, sliceOf(id)]))
    },

    async readAll(options): Promise<ReadAllPage> {
      const { after, limit } = checkReadAll(options)
      // Positions equal array indexes + 1 and cursors grow with them, so skip straight there.
      const events = log
        .slice(after.position)
        .filter((e) => compareCursors(cursor(e), after) > 0)
        .slice(0, limit)
      const last = events.at(-1)
      return { events: events.map(upcast), cursor: last ? cursor(last) : after }
    },

    async streamVersion(streamId) {
      return streams.get(streamId)?.length ?? 0
    },

    onAppend(listener) {
      const once = () => listener()
      listeners.add(once)
      return () => listeners.delete(once)
    },

    async close() {
      listeners.clear()
    },
  }
}
