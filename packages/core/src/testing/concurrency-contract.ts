import { expect, it } from 'vitest'
import type { EventStore } from '../event-store.js'
import { createExecutor, type ExecutionResult } from '../executor.js'
import { type AccountEvent, openAccount, registerUser, transfer } from './bank.js'

/** Proofs that the executor and a store together stay correct under concurrent commands. */
export function describeCommandConcurrency(open: () => Promise<EventStore>, scale: number): void {
  const transfers = Math.max(100, Math.round(2000 * scale))

  it(`conserves money over ${transfers} concurrent transfers among 20 accounts from 16 workers`, async () => {
    const store = await open()
    let retries = 0
    const executor = createExecutor({
      store,
      timeoutMs: 60_000,
      retry: { maxAttempts: 200, baseDelayMs: 1, maxDelayMs: 20 },
      observer: { onRetry: () => retries++ },
    })
    const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
    const accounts = Array.from({ length: 20 }, (_, i) => `${run}-${i}`)
    for (const id of accounts) {
      const opened = await executor.execute(openAccount, { id, owner: id, balance: 1000 })
      expect(opened.ok).toBe(true)
    }

    let next = 0
    const results: Array<ExecutionResult<string>> = []
    const worker = async () => {
      while (next < transfers) {
        const n = next++
        const from = Math.floor(Math.random() * 20)
        const to = (from + 1 + Math.floor(Math.random() * 19)) % 20
        const amount = 1 + Math.floor(Math.random() * 300)
        const input = { from: accounts[from] as string, to: accounts[to] as string, amount, transferId: `t${n}` }
        results.push(await executor.execute(transfer, input))
      }
    }
    await Promise.all(Array.from({ length: 16 }, worker))

    const failures = results.flatMap((r) => (r.ok ? [] : [r.error]))
    expect(failures.filter((e) => e.kind !== 'business-rule')).toEqual([])
    expect(failures.every((e) => e.kind === 'business-rule' && e.rule === 'insufficient-funds')).toBe(true)
    const succeeded = results.length - failures.length
    expect(results).toHaveLength(transfers)
    expect(succeeded).toBeGreaterThan(0)
    expect(retries).toBeGreaterThan(0) // the workers really did collide, and got through by retrying

    let total = 0
    let events = 0
    const slices = await store.readStreams(accounts.map((id) => `account-${id}`))
    for (const slice of slices.values()) {
      expect(slice.events.map((e) => e.streamVersion)).toEqual(Array.from({ length: slice.version }, (_, i) => i + 1))
      let balance = 0
      for (const event of slice.events as unknown as AccountEvent[]) {
        if (event.type === 'AccountOpened') balance = event.data.balance
        else balance += event.type === 'MoneyDeposited' ? event.data.amount : -event.data.amount
        expect(balance).toBeGreaterThanOrEqual(0)
      }
      total += balance
      events += slice.events.length
    }
    expect(total).toBe(20 * 1000)
    expect(events).toBe(20 + 2 * succeeded)
  }, 120_000)

  it('lets exactly one of 50 concurrent registrations claim an e-mail', async () => {
    const store = await open()
    const executor = createExecutor({ store, timeoutMs: 60_000, retry: { maxAttempts: 100, maxDelayMs: 20 } })
    const email = `race-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        executor.execute(registerUser, { userId: `u${i}-${email}`, email: i % 2 ? email.toUpperCase() : email }),
      ),
    )
    const winners = results.filter((r) => r.ok)
    const losers = results.flatMap((r) => (r.ok ? [] : [r.error]))
    expect(winners).toHaveLength(1)
    expect(losers).toHaveLength(49)
    for (const error of losers) expect(error).toMatchObject({ kind: 'business-rule', rule: 'email-taken' })
    const claim = await store.readStream(`email-${email}`)
    expect(claim.events).toHaveLength(1)
  }, 120_000)
}
