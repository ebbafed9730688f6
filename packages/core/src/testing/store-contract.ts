import { afterEach, describe, expect, it } from 'vitest'
import type { RecordedEvent } from '../event.js'
import { uuidv7 } from '../event-id.js'
import type { EventStore } from '../event-store.js'
import { describeBadInput } from './bad-input-contract.js'
import { describeCommandConcurrency } from './concurrency-contract.js'
import { credited, opened, uniqueStream, write } from './contract-fixtures.js'
import { describeSubscriptions } from './subscription-contract.js'

/** Options of {@link describeStoreContract}. */
export interface StoreContractOptions {
  /**
   * Scales the concurrency proofs (2,000 transfers by 16 workers at 1). Stores that serialize
   * every call may lower it; the proofs keep their shape.
   * @default 1
   */
  readonly scale?: number
}

export { uniqueStream } from './contract-fixtures.js'

/**
 * The tests every {@link EventStore} must pass. `open` is called by every test and must return a
 * store with an empty log (a fresh schema, database or instance); the suite closes them all.
 *
 * @example
 * describeStoreContract('memory', async () => createMemoryStore())
 */
export function describeStoreContract(
  name: string,
  open: () => Promise<EventStore>,
  options: StoreContractOptions = {},
): void {
  const opened: EventStore[] = []
  const fresh = async () => {
    const store = await open()
    opened.push(store)
    return store
  }
  // Each test's stores close when it ends: a PostgreSQL store holds pooled connections, and a file
  // of contract tests keeping them all to its end runs a server out of connections.
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()))
  })

  describe(`${name} honours the EventStore contract`, () => {
    describeAppends(fresh)
    describeConcurrencyChecks(fresh)
    describeIdempotency(fresh)
    describeBadInput(fresh)
    describeReads(fresh)
    describeSubscriptions(fresh)
    describeCommandConcurrency(fresh, options.scale ?? 1)
  })
}

type Open = () => Promise<EventStore>

function describeAppends(open: Open) {
  it('appends to a new stream and reads it back with versions 1..n', async () => {
    const store = await open()
    const id = uniqueStream()
    const result = await store.append([write(id, opened(), credited(5), credited(7))])
    expect(result).toMatchObject({ ok: true, versions: new Map([[id, 3]]), duplicate: false })
    const slice = await store.readStream(id)
    expect(slice.version).toBe(3)
    expect(slice.events.map((e) => [e.streamVersion, e.type, e.data])).toEqual([
      [1, 'Opened', { owner: 'ada' }],
      [2, 'Credited', { amount: 5 }],
      [3, 'Credited', { amount: 7 }],
    ])
  })

  it('appends to several streams atomically and returns the events in the order given', async () => {
    const store = await open()
    const [a, b] = [uniqueStream(), uniqueStream()]
    await store.append([write(a, opened())])
    const result = await store.append([write(a, credited(1)), write(b, opened(), credited(2))], {
      expectedVersions: { [a]: 1, [b]: 'no-stream' },
    })
    if (!result.ok) throw result.error
    expect(result.versions).toEqual(
      new Map([
        [a, 2],
        [b, 2],
      ]),
    )
    expect(result.events.map((e) => [e.streamId, e.streamVersion])).toEqual([
      [a, 2],
      [b, 1],
      [b, 2],
    ])
    const positions = result.events.map((e) => e.globalPosition)
    expect(positions).toEqual([...positions].sort((x, y) => x - y))
    expect(new Set(result.events.map((e) => e.transactionId)).size).toBe(1)
  })

  it('round-trips data, metadata, schema version and a client-supplied event id', async () => {
    const store = await open()
    const id = uniqueStream('ünïcødé')
    const eventId = uuidv7()
    const data = { text: 'naïve 👋 "quoted" \\ back', nested: { list: [1, 2.5, null, true], empty: {} } }
    const metadata = { correlationId: 'any string at all', actor: 'user-1', tenant: 't1' }
    await store.append([write(id, { type: 'Noted', data, metadata, eventId, schemaVersion: 3 })])
    const [event] = (await store.readStream(id)).events
    expect(event).toMatchObject({ eventId, streamId: id, type: 'Noted', data, metadata, schemaVersion: 3 })
    expect(event?.recordedAt).toBeInstanceOf(Date)
  })
}

function describeConcurrencyChecks(open: Open) {
  it('rejects a two-stream append when either version is stale, writing neither', async () => {
    const store = await open()
    const [a, b] = [uniqueStream(), uniqueStream()]
    await store.append([write(a, opened())])
    await store.append([write(b, opened())])
    await store.append([write(b, credited(1))]) // b moves on: a writer read it at version 1

    const result = await store.append([write(a, credited(5)), write(b, credited(5))], {
      expectedVersions: { [a]: 1, [b]: 1 },
    })

    expect(result).toMatchObject({ ok: false, error: { kind: 'concurrency', streams: [b] } })
    expect(result.ok || result.error.kind !== 'concurrency' || result.error.conflicts).toEqual([
      { streamId: b, expected: 1, actual: 2 },
    ])
    expect((await store.readStream(a)).version).toBe(1)
    expect((await store.readStream(b)).version).toBe(2)
  })

  it('checks the version of a stream that is read but not written', async () => {
    const store = await open()
    const [written, readOnly] = [uniqueStream(), uniqueStream()]
    await store.append([write(readOnly, opened())])
    await store.append([write(readOnly, credited(1))])
    const result = await store.append([write(written, opened())], {
      expectedVersions: { [written]: 0, [readOnly]: 1 },
    })
    expect(result).toMatchObject({ ok: false, error: { kind: 'concurrency', streams: [readOnly] } })
    expect(await store.streamVersion(written)).toBe(0)
    const ok = await store.append([write(written, opened())], { expectedVersions: { [written]: 0, [readOnly]: 2 } })
    expect(ok.ok).toBe(true)
  })

  it("checks a read-only stream that does not exist yet with 'no-stream'", async () => {
    const store = await open()
    const [written, missing] = [uniqueStream(), uniqueStream()]
    const result = await store.append([write(written, opened())], { expectedVersions: { [missing]: 'no-stream' } })
    expect(result.ok).toBe(true)
    expect(await store.streamVersion(missing)).toBe(0)
  })

  it("honours 'no-stream', 'exists' and 'any'", async () => {
    const store = await open()
    const id = uniqueStream()
    const exists = await store.append([write(id, opened())], { expectedVersions: { [id]: 'exists' } })
    expect(exists).toMatchObject({ ok: false, error: { conflicts: [{ streamId: id, expected: 'exists', actual: 0 }] } })
    expect((await store.append([write(id, opened())], { expectedVersions: { [id]: 'no-stream' } })).ok).toBe(true)
    const again = await store.append([write(id, opened())], { expectedVersions: { [id]: 'no-stream' } })
    expect(again).toMatchObject({ ok: false, error: { kind: 'concurrency' } })
    expect((await store.append([write(id, credited(1))], { expectedVersions: { [id]: 'exists' } })).ok).toBe(true)
    expect((await store.append([write(id, credited(1))], { expectedVersions: { [id]: 'any' } })).ok).toBe(true)
    expect((await store.append([write(id, credited(1))])).ok).toBe(true)
    expect(await store.streamVersion(id)).toBe(4)
  })

  it('names every stream that moved', async () => {
    const store = await open()
    const [a, b, c] = [uniqueStream(), uniqueStream(), uniqueStream()]
    await store.append([write(a, opened()), write(b, opened()), write(c, opened())])
    const result = await store.append([write(b, credited(1))], { expectedVersions: { [a]: 0, [b]: 1, [c]: 5 } })
    expect(result.ok).toBe(false)
    if (result.ok || result.error.kind !== 'concurrency') throw new Error('expected a conflict')
    expect([...result.error.streams].sort()).toEqual([a, c].sort())
  })
}

function describeIdempotency(open: Open) {
  it('stores a retried batch with the same event ids once and answers with the first result', async () => {
    const store = await open()
    const [a, b] = [uniqueStream(), uniqueStream()]
    const batch = [
      write(a, { ...opened(), eventId: uuidv7() }),
      write(b, { ...opened(), eventId: uuidv7() }, { ...credited(3), eventId: uuidv7() }),
    ]
    const first = await store.append(batch, { expectedVersions: { [a]: 0, [b]: 0 } })
    const retry = await store.append(batch, { expectedVersions: { [a]: 0, [b]: 0 } })
    if (!first.ok || !retry.ok) throw new Error('expected both to succeed')
    expect(retry.duplicate).toBe(true)
    expect(retry.versions).toEqual(first.versions)
    expect(retry.events.map((e) => [e.eventId, e.globalPosition])).toEqual(
      first.events.map((e) => [e.eventId, e.globalPosition]),
    )
    expect((await store.readStream(b)).events).toHaveLength(2)
  })

  it('refuses a batch whose ids were stored by two different appends', async () => {
    const store = await open()
    const [a, b] = [uniqueStream(), uniqueStream()]
    const first = { ...credited(1), eventId: uuidv7() }
    const second = { ...credited(2), eventId: uuidv7() }
    await store.append([write(a, first)])
    await store.append([write(b, second)])
    await expect(store.append([write(a, first), write(b, second)])).rejects.toMatchObject({
      code: 'ERR_EVENTCORE_EVENT_ID_REUSED',
    })
  })

  it('refuses an event id stored before with other content, writing nothing', async () => {
    const store = await open()
    const [a, b] = [uniqueStream(), uniqueStream()]
    const eventId = uuidv7()
    await store.append([write(a, { ...credited(1), eventId })])
    await expect(store.append([write(a, { ...credited(2), eventId })])).rejects.toMatchObject({
      kind: 'validation',
      code: 'ERR_EVENTCORE_EVENT_ID_REUSED',
    })
    await expect(store.append([write(b, opened()), write(a, { ...credited(1), eventId })])).rejects.toMatchObject({
      code: 'ERR_EVENTCORE_EVENT_ID_REUSED',
    })
    expect(await store.streamVersion(a)).toBe(1)
    expect(await store.streamVersion(b)).toBe(0)
  })
}

function describeReads(open: Open) {
  it('refuses bad read options with a validation error', async () => {
    const store = await open()
    for (const limit of [0, -1, 1.5, 10_001, Number.NaN]) {
      await expect(store.readAll({ limit })).rejects.toMatchObject({ kind: 'validation', issues: [{ path: 'limit' }] })
    }
    const cursor = { transactionId: -1, position: 0 }
    await expect(store.readAll({ after: cursor })).rejects.toMatchObject({ kind: 'validation' })
    await expect(store.readStream('')).rejects.toMatchObject({ kind: 'validation' })
    await expect(store.readStream('s', { fromVersion: 0 })).rejects.toMatchObject({ kind: 'validation' })
    await expect(store.readStreams(['ok', ''])).rejects.toMatchObject({ issues: [{ path: 'streamIds.1' }] })
  })

  it('refuses stream ids with a NUL or a lone UTF-16 surrogate on reads with a validation error', async () => {
    const store = await open()
    for (const id of ['a\u0000b', 'a\ud800', '\udc00b']) {
      await expect(store.readStream(id)).rejects.toMatchObject({ kind: 'validation', issues: [{ path: 'streamId' }] })
      await expect(store.readStreams(['ok', id])).rejects.toMatchObject({
        kind: 'validation',
        issues: [{ path: 'streamIds.1' }],
      })
    }
    // A well-formed pair (an emoji) is ordinary text.
    const emoji = uniqueStream('\u{1F600}')
    expect((await store.append([write(emoji, opened())])).ok).toBe(true)
    expect((await store.readStream(emoji)).events).toHaveLength(1)
  })

  it('reads a stream of 5,000 events back whole and in order', async () => {
    const store = await open()
    const id = uniqueStream('long')
    for (let batch = 0; batch < 10; batch++) {
      const events = Array.from({ length: 500 }, (_, i) => credited(batch * 500 + i + 1))
      const result = await store.append([{ streamId: id, events }], { expectedVersions: { [id]: batch * 500 } })
      expect(result.ok).toBe(true)
    }
    const slice = await store.readStream(id)
    expect(slice.version).toBe(5000)
    expect(slice.events).toHaveLength(5000)
    slice.events.forEach((e, i) => {
      expect(e.streamVersion).toBe(i + 1)
      expect((e.data as { amount: number }).amount).toBe(i + 1)
    })
    const tail = await store.readStream(id, { fromVersion: 4990 })
    expect(tail.events.map((e) => e.streamVersion)).toEqual(Array.from({ length: 11 }, (_, i) => 4990 + i))
    expect(tail.version).toBe(5000)
  })

  it('reads several streams at once, with version 0 for a missing one', async () => {
    const store = await open()
    const [a, b, missing] = [uniqueStream(), uniqueStream(), uniqueStream()]
    await store.append([write(a, opened(), credited(1)), write(b, opened())])
    const slices = await store.readStreams([a, b, missing])
    expect([...slices.keys()].sort()).toEqual([a, b, missing].sort())
    expect(slices.get(a)?.version).toBe(2)
    expect(slices.get(b)?.events.map((e) => e.type)).toEqual(['Opened'])
    expect(slices.get(missing)).toEqual({ streamId: missing, version: 0, events: [] })
    expect(await store.streamVersion(missing)).toBe(0)
  })

  it('reads the global log in pages with no event skipped or repeated', async () => {
    const store = await open()
    const streams = Array.from({ length: 7 }, () => uniqueStream())
    for (let i = 0; i < 40; i++) {
      const id = streams[i % streams.length] as string
      const result = await store.append([write(id, credited(i))])
      expect(result.ok).toBe(true)
    }
    const seen: RecordedEvent[] = []
    // On a shared PostgreSQL server, a transaction still open elsewhere holds the newest events
    // back for a moment (that is the guarantee at work): keep reading until all have arrived.
    const deadline = Date.now() + 10_000
    let page = await store.readAll({ limit: 6 })
    while (seen.length + page.events.length < 40 || page.events.length > 0) {
      expect(page.events.length).toBeLessThanOrEqual(6)
      seen.push(...page.events)
      if (page.events.length === 0) {
        if (Date.now() > deadline) break
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      page = await store.readAll({ after: page.cursor, limit: 6 })
    }
    expect(seen.map((e) => (e.data as { amount: number }).amount)).toEqual(Array.from({ length: 40 }, (_, i) => i))
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(40)
    const positions = seen.map((e) => e.globalPosition)
    expect(positions).toEqual([...positions].sort((x, y) => x - y))
    const end = await store.readAll({ after: page.cursor })
    expect(end).toEqual({ events: [], cursor: page.cursor })
  })
}
