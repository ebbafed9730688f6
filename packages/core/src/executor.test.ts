import { describe, expect, it } from 'vitest'
import { defineCommand, reject } from './command.js'
import { StoreUnavailableError } from './errors.js'
import { type Event, event } from './event.js'
import type { EventStore } from './event-store.js'
import { type CommandOutcome, createExecutor } from './executor.js'
import { createMemoryStore } from './memory-store.js'
import { openAccount, transfer } from './testing/bank.js'

type Note = Event<'Noted', { readonly text: string }>

const note = defineCommand({
  name: 'note',
  streams: (input: { readonly id: string; readonly text: string }) => ({ note: `note-${input.id}` }),
  initialState: () => ({ count: 0 }),
  apply: (state, _event: Note) => ({ count: state.count + 1 }),
  decide: (_state, { text }) => ({ note: [event('Noted', { text }, { metadata: { source: 'test' } })] }),
})

/** Reads `watched` as a guard but writes only `target`: the guard's version must still be checked. */
const guarded = defineCommand({
  name: 'guarded',
  streams: (input: { readonly guard: string; readonly target: string }) => ({
    guard: input.guard,
    target: input.target,
  }),
  initialState: () => ({ guardEvents: 0 }),
  apply: (state, _event: Note, stream) => (stream === 'guard' ? { guardEvents: state.guardEvents + 1 } : state),
  decide: (state) => ({ target: [event('Noted', { text: `guard had ${state.guardEvents}` })] }),
})

/** A real memory store whose next appends first run `before` (e.g. a competing write). */
function interfering(store: EventStore, before: Array<() => Promise<unknown>>): EventStore {
  return {
    ...store,
    async append(writes, options) {
      await before.shift()?.()
      return store.append(writes, options)
    },
  }
}

const noSleep = async () => {}

describe('executor', () => {
  it('writes the context into every event: correlation, causation, actor, time, command', async () => {
    const store = createMemoryStore()
    const executor = createExecutor({ store, clock: () => new Date('2026-01-02T03:04:05.000Z') })
    const result = await executor.execute(
      note,
      { id: '1', text: 'hi' },
      {
        context: {
          correlationId: 'not-a-uuid at all',
          causationId: 'req-7',
          actor: 'user-9',
          metadata: { tenant: 't' },
        },
      },
    )
    expect(result.ok).toBe(true)
    const [stored] = (await store.readStream('note-1')).events
    expect(stored?.metadata).toEqual({
      source: 'test',
      tenant: 't',
      correlationId: 'not-a-uuid at all',
      causationId: 'req-7',
      actor: 'user-9',
      occurredAt: '2026-01-02T03:04:05.000Z',
      command: 'note',
    })
  })

  it('gives all events of one command one generated correlation id when none is given', async () => {
    const store = createMemoryStore()
    const executor = createExecutor({ store })
    await executor.execute(openAccount, { id: 'a', owner: 'a', balance: 10 })
    await executor.execute(openAccount, { id: 'b', owner: 'b', balance: 10 })
    const result = await executor.execute(transfer, { from: 'a', to: 'b', amount: 1, transferId: 't' })
    if (!result.ok) throw result.error
    const ids = result.events.map((e) => e.metadata.correlationId)
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(new Set(ids).size).toBe(1)
  })

  it('checks the version of a stream it only read, and decides again after it moved', async () => {
    const memory = createMemoryStore()
    await memory.append([{ streamId: 'guard', events: [{ type: 'Noted', data: { text: 'g1' } }] }])
    const store = interfering(memory, [
      () => memory.append([{ streamId: 'guard', events: [{ type: 'Noted', data: { text: 'g2' } }] }]),
    ])
    const result = await createExecutor({ store, sleep: noSleep }).execute(guarded, {
      guard: 'guard',
      target: 'target',
    })
    if (!result.ok) throw result.error
    expect(result.attempts).toBe(2)
    expect(result.versions).toEqual({ guard: 2, target: 1 })
    expect((await memory.readStream('target')).events.map((e) => e.data)).toEqual([{ text: 'guard had 2' }])
  })

  it('backs off exponentially with jitter and gives up with a concurrency error', async () => {
    const memory = createMemoryStore()
    const bump = () => memory.append([{ streamId: 'note-x', events: [{ type: 'Noted', data: { text: 'other' } }] }])
    const store = interfering(
      memory,
      Array.from({ length: 10 }, () => bump),
    )
    const delays: number[] = []
    const executor = createExecutor({
      store,
      retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 25 },
      random: () => 0.999,
      sleep: async (ms) => {
        delays.push(ms)
      },
    })
    const result = await executor.execute(note, { id: 'x', text: 'mine' })
    expect(result).toMatchObject({ ok: false, error: { kind: 'concurrency', attempts: 4, streams: ['note-x'] } })
    expect(delays).toEqual([9, 19, 24]) // caps 10, 20, 25 (capped), each scaled by the jitter
    expect((await memory.readStream('note-x')).events.map((e) => e.data)).toEqual([
      { text: 'other' },
      { text: 'other' },
      { text: 'other' },
      { text: 'other' },
    ])
  })

  it('reports a retry only when another attempt follows, and counts attempts in the outcome', async () => {
    const memory = createMemoryStore()
    const bump = () => memory.append([{ streamId: 'note-y', events: [{ type: 'Noted', data: { text: 'other' } }] }])
    const retries: number[] = []
    const outcomes: CommandOutcome[] = []
    const executor = createExecutor({
      store: interfering(
        memory,
        Array.from({ length: 5 }, () => bump),
      ),
      retry: { maxAttempts: 3 },
      sleep: noSleep,
      observer: { onRetry: (r) => retries.push(r.attempt), onOutcome: (o) => outcomes.push(o) },
    })
    await executor.execute(note, { id: 'y', text: 'mine' })
    expect(retries).toEqual([1, 2])
    expect(outcomes).toMatchObject([{ outcome: 'concurrency', attempts: 3 }])

    const down: EventStore = {
      ...memory,
      readStreams: async () => {
        throw new StoreUnavailableError('connection reset', { transient: true })
      },
    }
    const seen: CommandOutcome[] = []
    const failing = createExecutor({
      store: down,
      sleep: noSleep,
      retry: { maxAttempts: 4 },
      observer: { onOutcome: (o) => seen.push(o) },
    })
    expect(await failing.execute(note, { id: 'z', text: 'a' })).toMatchObject({
      ok: false,
      error: { kind: 'store-unavailable' },
    })
    expect(seen).toMatchObject([{ outcome: 'store-unavailable', attempts: 4 }])
  })

  it('rethrows a command that throws, after reporting it', async () => {
    const broken = defineCommand({
      name: 'broken',
      streams: () => ({ s: 's' }),
      initialState: () => null,
      apply: (state, _event: Note) => state,
      decide: (_state): { s: Note[] } => {
        throw new RangeError('bug in decide')
      },
    })
    const outcomes: CommandOutcome[] = []
    const executor = createExecutor({ store: createMemoryStore(), observer: { onOutcome: (o) => outcomes.push(o) } })
    await expect(executor.execute(broken, {})).rejects.toThrow(RangeError)
    expect(outcomes).toMatchObject([{ command: 'broken', outcome: 'exception', attempts: 1 }])
  })

  it("keeps an event's own correlation id instead of the context's", async () => {
    const own = defineCommand({
      name: 'own',
      streams: () => ({ s: 'own-stream' }),
      initialState: () => null,
      apply: (state, _event: Note) => state,
      decide: (_state) => ({ s: [event('Noted', { text: 'x' }, { metadata: { correlationId: 'from-the-event' } })] }),
    })
    const result = await createExecutor({ store: createMemoryStore() }).execute(
      own,
      {},
      { context: { correlationId: 'ctx' } },
    )
    if (!result.ok) throw result.error
    expect(result.events[0]?.metadata.correlationId).toBe('from-the-event')
  })

  it('folds the events of all its streams in global order', async () => {
    const store = createMemoryStore()
    for (const [stream, text] of [
      ['a', '1'],
      ['b', '2'],
      ['a', '3'],
      ['b', '4'],
      ['b', '5'],
    ] as const)
      await store.append([{ streamId: stream, events: [{ type: 'Noted', data: { text } }] }])
    const order = defineCommand({
      name: 'order',
      streams: () => ({ first: 'a', second: 'b' }),
      initialState: () => '',
      apply: (state: string, e: Note, stream) => `${state}${stream[0]}${e.data.text}`,
      decide: (_state) => ({}),
    })
    let folded = ''
    const spy = defineCommand({
      ...order,
      decide: (state: string) => {
        folded = state
        return {}
      },
    })
    expect((await createExecutor({ store }).execute(spy, {})).ok).toBe(true)
    expect(folded).toBe('f1s2f3s4s5')
  })

  it('never retries a business rule', async () => {
    let decisions = 0
    const refuse = defineCommand({
      name: 'refuse',
      streams: () => ({ s: 's' }),
      initialState: () => null,
      apply: (state, _event: Note) => state,
      decide: () => {
        decisions++
        return reject('no', 'never', { why: 'testing' })
      },
    })
    const result = await createExecutor({ store: createMemoryStore() }).execute(refuse, {})
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'business-rule', rule: 'no', details: { why: 'testing' } },
    })
    expect(decisions).toBe(1)
  })

  it('retries transient store errors and reports a lasting outage as store-unavailable', async () => {
    const memory = createMemoryStore()
    let failures = 1
    const flaky: EventStore = {
      ...memory,
      async readStreams(ids) {
        if (failures-- > 0) throw new StoreUnavailableError('connection reset', { transient: true })
        return memory.readStreams(ids)
      },
    }
    expect((await createExecutor({ store: flaky, sleep: noSleep }).execute(note, { id: '1', text: 'a' })).ok).toBe(true)

    const down: EventStore = {
      ...memory,
      readStreams: async () => {
        throw new StoreUnavailableError('authentication failed', { transient: false })
      },
    }
    const result = await createExecutor({ store: down, sleep: noSleep }).execute(note, { id: '1', text: 'a' })
    expect(result).toMatchObject({ ok: false, error: { kind: 'store-unavailable', transient: false } })
  })

  it('times out a command whose store does not answer', async () => {
    const memory = createMemoryStore()
    const hung: EventStore = { ...memory, readStreams: () => new Promise(() => {}) }
    const result = await createExecutor({ store: hung, timeoutMs: 20 }).execute(note, { id: '1', text: 'a' })
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'timeout', code: 'ERR_EVENTCORE_TIMEOUT', timeoutMs: 20 },
    })
  })

  it('refuses a write to a stream the command did not declare, at run time too', async () => {
    const sneaky = defineCommand({
      name: 'sneaky',
      streams: () => ({ mine: 'mine' }),
      initialState: () => null,
      apply: (state, _event: Note) => state,
      // Types stop this; a cast (or plain JavaScript) gets past them, the executor does not.
      decide: () => ({ other: [event('Noted', { text: 'x' })] }) as unknown as { mine: Note[] },
    })
    const store = createMemoryStore()
    const result = await createExecutor({ store }).execute(sneaky, {})
    expect(result).toMatchObject({ ok: false, error: { code: 'ERR_EVENTCORE_UNDECLARED_STREAM' } })
    expect(await store.streamVersion('other')).toBe(0)
  })

  it("returns the store's thrown refusal of bad input as a validation failure, writing nothing", async () => {
    const dated = defineCommand({
      name: 'dated',
      streams: (input: { readonly id: string }) => ({ note: `note-${input.id}` }),
      initialState: () => null,
      apply: (state, _event: Event<'Dated', { readonly at: Date }>) => state,
      decide: () => ({ note: [event('Dated', { at: new Date(0) })] }), // a Date is not plain JSON
    })
    const outcomes: CommandOutcome[] = []
    const store = createMemoryStore()
    const executor = createExecutor({ store, observer: { onOutcome: (o) => outcomes.push(o) } })
    for (const assumeNewStreams of [false, true]) {
      const result = await executor.execute(dated, { id: '1' }, { assumeNewStreams })
      expect(result).toMatchObject({ ok: false, error: { kind: 'validation', code: 'ERR_EVENTCORE_VALIDATION' } })
    }
    expect(outcomes.map((o) => [o.outcome, o.attempts])).toEqual([
      ['validation', 1],
      ['validation', 2],
    ])
    expect(await store.streamVersion('note-1')).toBe(0)
  })

  it('refuses two names for one stream', async () => {
    const twice = await createExecutor({ store: createMemoryStore() }).execute(transfer, {
      from: 'a',
      to: 'a',
      amount: 1,
      transferId: 't',
    })
    expect(twice).toMatchObject({ ok: false, error: { kind: 'validation' } })
    expect(twice.ok || twice.error.message).toContain("both name stream 'account-a'")
  })

  it('reads streams found from state, folds again, and checks them too', async () => {
    type OrderEvent = Event<'OrderPlaced', { readonly account: string }> | Event<'Noted', { readonly text: string }>
    const ship = defineCommand({
      name: 'ship',
      streams: (input: { readonly order: string }) => ({ order: `order-${input.order}` }),
      discover: (state: { account?: string; notes: number }) =>
        state.account ? { account: `note-${state.account}` } : {},
      initialState: () => ({ notes: 0 }) as { account?: string; notes: number },
      apply: (state, e: OrderEvent, stream) =>
        e.type === 'OrderPlaced'
          ? { ...state, account: e.data.account }
          : stream === 'account'
            ? { ...state, notes: state.notes + 1 }
            : state,
      decide: (state) => ({ account: [event('Noted', { text: `shipped after ${state.notes} notes` })] }),
    })
    const store = createMemoryStore()
    await store.append([{ streamId: 'order-1', events: [{ type: 'OrderPlaced', data: { account: 'acme' } }] }])
    await store.append([{ streamId: 'note-acme', events: [{ type: 'Noted', data: { text: 'n' } }] }])
    const result = await createExecutor({ store }).execute(ship, { order: '1' })
    if (!result.ok) throw result.error
    expect(result.versions).toEqual({ order: 1, account: 2 })
    expect(result.events[0]?.data).toEqual({ text: 'shipped after 1 notes' })
  })

  it('stops discovering after the configured number of rounds', async () => {
    let round = 0
    const endless = defineCommand({
      name: 'endless',
      streams: () => ({ start: 'start' }),
      // Each round names another stream, as a command with a bug (or a cycle) might.
      discover: () => ({ next: `stream-${round++}` }),
      initialState: () => null,
      apply: (state, _event: Note) => state,
      decide: () => ({}),
    })
    const result = await createExecutor({ store: createMemoryStore(), maxDiscoveryRounds: 3 }).execute(endless, {})
    expect(result).toMatchObject({ ok: false, error: { code: 'ERR_EVENTCORE_DISCOVERY_LIMIT' } })
  })

  it('lets maxDiscoveryRounds rounds add streams', async () => {
    const once = defineCommand({
      name: 'once',
      streams: () => ({ start: 'start' }),
      discover: () => ({ found: 'found' }),
      initialState: () => null,
      apply: (state, _event: Note) => state,
      decide: (_state) => ({ found: [event('Noted', { text: 'x' })] }),
    })
    const result = await createExecutor({ store: createMemoryStore(), maxDiscoveryRounds: 1 }).execute(once, {})
    expect(result).toMatchObject({ ok: true, versions: { start: 0, found: 1 } })
  })

  it('succeeds without writing when decide has nothing to do, and reports every outcome', async () => {
    const outcomes: CommandOutcome[] = []
    const idle = defineCommand({
      name: 'idle',
      streams: () => ({ s: 'idle' }),
      initialState: () => null,
      apply: (state, _event: Note) => state,
      decide: () => ({}),
    })
    const executor = createExecutor({ store: createMemoryStore(), observer: { onOutcome: (o) => outcomes.push(o) } })
    expect(await executor.execute(idle, {})).toMatchObject({ ok: true, events: [], versions: { s: 0 } })
    await executor.execute(transfer, { from: 'x', to: 'y', amount: 1, transferId: 't' })
    expect(outcomes.map((o) => [o.command, o.outcome, o.eventsWritten])).toEqual([
      ['idle', 'success', 0],
      ['transfer', 'business-rule', 0],
    ])
  })
})
