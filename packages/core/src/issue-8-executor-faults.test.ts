import { describe, expect, it } from 'vitest'
import { StoreUnavailableError } from './errors.js'
import type { EventStore } from './event-store.js'
import { createExecutor } from './executor.js'
import { createMemoryStore } from './memory-store.js'
import { openAccount, registerUser, transfer } from './testing/bank.js'

const noSleep = async () => {}
const lost = () => new StoreUnavailableError('Connection terminated unexpectedly', { transient: true })

/** A real memory store whose next `times` appends commit, then throw as if the acknowledgement was lost. */
function losingAcknowledgements(store: EventStore, times: number): EventStore & { appends: () => number } {
  let left = times
  let appends = 0
  return {
    ...store,
    appends: () => appends,
    async append(writes, options) {
      appends += 1
      const result = await store.append(writes, options)
      if (left-- > 0) throw lost()
      return result
    },
  }
}

/** A real memory store whose next `times` appends fail before writing anything. */
function failingAppends(store: EventStore, times: number): EventStore {
  let left = times
  return {
    ...store,
    async append(writes, options) {
      if (left-- > 0) throw lost()
      return store.append(writes, options)
    },
  }
}

async function bank() {
  const memory = createMemoryStore()
  const setup = createExecutor({ store: memory })
  await setup.execute(openAccount, { id: 'a', owner: 'a', balance: 100 })
  await setup.execute(openAccount, { id: 'b', owner: 'b', balance: 0 })
  return memory
}

describe('executor when the acknowledgement of an append is lost (issue 8)', () => {
  it('debits a transfer once when the append committed but the store threw', async () => {
    const memory = await bank()
    const store = losingAcknowledgements(memory, 1)
    const executor = createExecutor({ store, sleep: noSleep })
    const result = await executor.execute(transfer, { from: 'a', to: 'b', amount: 30, transferId: 't1' })
    expect(result).toMatchObject({ ok: true, attempts: 2, versions: { from: 2, to: 2 } })
    expect(store.appends()).toBe(2)
    const withdrawn = (await memory.readStream('account-a')).events.filter((e) => e.type === 'MoneyWithdrawn')
    expect(withdrawn).toHaveLength(1)
    expect((await memory.readStream('account-b')).events).toHaveLength(2)
    if (!result.ok) throw result.error
    expect(result.events.map((e) => e.eventId)).toContain(withdrawn[0]?.eventId)
  })

  it('answers success, not user-exists, for its own lost registration', async () => {
    const memory = createMemoryStore()
    const store = losingAcknowledgements(memory, 2)
    const executor = createExecutor({ store, sleep: noSleep })
    const result = await executor.execute(
      registerUser,
      { userId: 'u1', email: 'a@example.com' },
      { assumeNewStreams: true },
    )
    expect(result.ok).toBe(true)
    expect(await memory.streamVersion('user-u1')).toBe(1)
  })

  it('writes once when the append failed before committing', async () => {
    const memory = await bank()
    const executor = createExecutor({ store: failingAppends(memory, 2), sleep: noSleep })
    const result = await executor.execute(transfer, { from: 'a', to: 'b', amount: 30, transferId: 't1' })
    expect(result).toMatchObject({ ok: true, attempts: 3 })
    expect(await memory.streamVersion('account-a')).toBe(2)
  })

  it('decides again when the re-append meets a stream that another writer moved', async () => {
    const memory = await bank()
    let raced = false
    const store: EventStore = {
      ...memory,
      async append(writes, options) {
        if (!raced) {
          raced = true
          // Another transfer lands while this one's outcome is unknown; this one's append never happened.
          await createExecutor({ store: memory }).execute(transfer, { from: 'a', to: 'b', amount: 80, transferId: 'x' })
          throw lost()
        }
        return memory.append(writes, options)
      },
    }
    const result = await createExecutor({ store, sleep: noSleep }).execute(transfer, {
      from: 'a',
      to: 'b',
      amount: 30,
      transferId: 't1',
    })
    expect(result).toMatchObject({ ok: false, error: { kind: 'business-rule', rule: 'insufficient-funds' } })
    expect(await memory.streamVersion('account-a')).toBe(2)
  })

  it('gives up as store-unavailable, never deciding again, when the outage outlasts its attempts', async () => {
    const memory = await bank()
    let appends = 0
    const store: EventStore = {
      ...memory,
      async append(writes, options) {
        appends += 1
        if (appends === 1) await memory.append(writes, options)
        throw lost()
      },
    }
    const result = await createExecutor({ store, sleep: noSleep, retry: { maxAttempts: 3 } }).execute(transfer, {
      from: 'a',
      to: 'b',
      amount: 30,
      transferId: 't1',
    })
    expect(result).toMatchObject({ ok: false, error: { kind: 'store-unavailable', transient: true } })
    expect(appends).toBe(3)
    expect(await memory.streamVersion('account-a')).toBe(2)
  })
})

describe('executor back-pressure and caller deadlines (issue 8)', () => {
  it('refuses a command beyond maxConcurrent at once, with a retry hint, and takes one again after', async () => {
    const memory = createMemoryStore()
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const slow: EventStore = {
      ...memory,
      async readStreams(ids) {
        await gate
        return memory.readStreams(ids)
      },
    }
    const executor = createExecutor({ store: slow, maxConcurrent: 2, overloadRetryAfterMs: 500 })
    const first = executor.execute(openAccount, { id: '1', owner: 'x', balance: 1 })
    const second = executor.execute(openAccount, { id: '2', owner: 'x', balance: 1 })
    const third = await executor.execute(openAccount, { id: '3', owner: 'x', balance: 1 })
    expect(third).toMatchObject({
      ok: false,
      error: { kind: 'store-unavailable', code: 'ERR_EVENTCORE_OVERLOADED', transient: true, retryAfterMs: 500 },
    })
    release()
    expect((await first).ok && (await second).ok).toBe(true)
    expect((await executor.execute(openAccount, { id: '3', owner: 'x', balance: 1 })).ok).toBe(true)
  })

  it("stops a command as timeout when the caller's signal aborts, before the executor's own limit", async () => {
    const memory = createMemoryStore()
    const hung: EventStore = { ...memory, readStreams: () => new Promise(() => {}) }
    const controller = new AbortController()
    const executor = createExecutor({ store: hung, timeoutMs: 60_000 })
    const pending = executor.execute(openAccount, { id: '1', owner: 'x', balance: 1 }, { signal: controller.signal })
    controller.abort()
    expect(await pending).toMatchObject({ ok: false, error: { kind: 'timeout', code: 'ERR_EVENTCORE_TIMEOUT' } })
  })

  it('does not start a command whose signal already aborted', async () => {
    const memory = createMemoryStore()
    let reads = 0
    const store: EventStore = {
      ...memory,
      readStreams: (ids) => {
        reads += 1
        return memory.readStreams(ids)
      },
    }
    const result = await createExecutor({ store }).execute(
      openAccount,
      { id: '1', owner: 'x', balance: 1 },
      { signal: AbortSignal.abort() },
    )
    expect(result).toMatchObject({ ok: false, error: { kind: 'timeout' } })
    expect(reads).toBe(0)
  })
})
