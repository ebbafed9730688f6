// Test support for the fault tests (not exported): a load of two-stream appends that records what
// was acknowledged and how each failure was classified, and the checks that must hold afterwards.
import { randomUUID } from 'node:crypto'
import type { EventStore } from '@eventcore/core'
import { expect } from 'vitest'

/** What a load did: pairs acknowledged, pairs that failed, and each failure's kind (or name). */
export interface LoadRecord {
  readonly acked: Array<readonly [string, string]>
  readonly failed: Array<readonly [string, string]>
  readonly failures: Map<string, number>
  /** Longest single append, in milliseconds: a fault must never hang a caller. */
  longestMs: number
}

/**
 * Appends pairs of new streams (one append, two streams) with `concurrency` callers until `done()`
 * says stop, or `maxAppends` were sent.
 */
export async function appendPairsUntil(
  store: EventStore,
  { done, concurrency = 4, maxAppends = 5000 }: { done: () => boolean; concurrency?: number; maxAppends?: number },
): Promise<LoadRecord> {
  const record: LoadRecord = { acked: [], failed: [], failures: new Map(), longestMs: 0 }
  let sent = 0
  const caller = async () => {
    while (!done() && sent < maxAppends) {
      sent += 1
      const id = randomUUID()
      const pair = [`a-${id}`, `b-${id}`] as const
      const started = performance.now()
      let kind: string | undefined
      try {
        const result = await store.append(
          pair.map((streamId) => ({ streamId, events: [{ type: 'Paired', data: { id } }] })),
        )
        if (!result.ok) kind = result.error.kind
      } catch (error) {
        kind = (error as { kind?: string }).kind ?? (error as Error).name ?? 'unknown'
      }
      record.longestMs = Math.max(record.longestMs, performance.now() - started)
      if (kind === undefined) record.acked.push(pair)
      else {
        record.failed.push(pair)
        record.failures.set(kind, (record.failures.get(kind) ?? 0) + 1)
      }
      // Failing fast while the database is down: a short pause keeps the loop from spinning.
      if (kind !== undefined) await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, caller))
  return record
}

/** What a fault test reports of a load: appends sent and acknowledged, failures by kind, the longest. */
export function loadFigures(record: LoadRecord): Record<string, unknown> {
  return {
    appends: record.acked.length + record.failed.length,
    acked: record.acked.length,
    failures: Object.fromEntries(record.failures),
    longestMs: Math.round(record.longestMs),
  }
}

/**
 * Every acknowledged pair is stored, no pair is half-written, and every failure was
 * store-unavailable.
 */
export async function expectNoLossNoHalfWrites(store: EventStore, record: LoadRecord): Promise<void> {
  expect([...record.failures.keys()].filter((kind) => kind !== 'store-unavailable')).toEqual([])
  const all = [...record.acked, ...record.failed]
  const versions = new Map<string, number>()
  for (let i = 0; i < all.length; i += 500) {
    const ids = all.slice(i, i + 500).flat()
    for (const [id, slice] of await store.readStreams(ids)) versions.set(id, slice.version)
  }
  const lost = record.acked.filter(([a, b]) => versions.get(a) !== 1 || versions.get(b) !== 1)
  const half = all.filter(([a, b]) => versions.get(a) !== versions.get(b))
  expect({ lost: lost.length, half: half.length }).toEqual({ lost: 0, half: 0 })
}

/** Retries an append until one succeeds; the milliseconds it took. Bounded by `withinMs`. */
export async function recoveryMs(store: EventStore, withinMs = 10_000): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < withinMs) {
    const ok = await store.append([{ streamId: `r-${randomUUID()}`, events: [{ type: 'Probe', data: {} }] }]).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return Math.round(performance.now() - started)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`the store did not recover within ${withinMs} ms`)
}

/** Records uncaught exceptions and unhandled rejections while `work` runs; there must be none. */
export async function expectNoUncaught<T>(work: () => Promise<T>): Promise<T> {
  const uncaught: unknown[] = []
  const record = (error: unknown) => uncaught.push(error)
  process.on('uncaughtException', record)
  process.on('unhandledRejection', record)
  try {
    return await work()
  } finally {
    process.off('uncaughtException', record)
    process.off('unhandledRejection', record)
    expect(uncaught).toEqual([])
  }
}
