import { describe, expect, it } from 'vitest'
import { defineCommand } from '../command.js'
import { type Event, event } from '../event.js'
import { createExecutor } from '../executor.js'
import { createMemoryStore } from '../memory-store.js'
import { openAccount, registerUser, transfer } from './bank.js'
import { commandSpec, SpecificationError } from './command-spec.js'

const opened = (balance: number) => event('AccountOpened', { owner: 'o', balance })

describe('commandSpec', () => {
  it('passes when the command decides the expected events', () => {
    commandSpec(transfer)
      .given({ from: [opened(100)], to: [opened(0)] })
      .when({ from: 'a', to: 'b', amount: 30, transferId: 't1' })
      .thenEmits({
        from: [event('MoneyWithdrawn', { amount: 30, transferId: 't1' })],
        to: [event('MoneyDeposited', { amount: 30, transferId: 't1' })],
      })
  })

  it('fails when the events differ', () => {
    const spec = commandSpec(transfer)
      .given({ from: [opened(100)], to: [opened(0)] })
      .when({ from: 'a', to: 'b', amount: 30, transferId: 't1' })
    expect(() => spec.thenEmits({ from: [event('MoneyWithdrawn', { amount: 31, transferId: 't1' })] })).toThrow(
      SpecificationError,
    )
  })

  it('checks rejections by rule', () => {
    const spec = commandSpec(transfer)
      .given({ from: [opened(10)], to: [opened(0)] })
      .when({ from: 'a', to: 'b', amount: 30, transferId: 't1' })
    spec.thenRejects('insufficient-funds')
    expect(() => spec.thenRejects('account-not-open')).toThrow(/expected rejection 'account-not-open'/)
    expect(() => spec.thenNothingHappens()).toThrow(SpecificationError)
  })

  it('folds history from several streams', () => {
    commandSpec(registerUser)
      .given({ email: [event('EmailClaimed', { userId: 'other' })] })
      .when({ userId: 'u1', email: 'a@example.com' })
      .thenRejects('email-taken')
    commandSpec(openAccount)
      .given()
      .when({ id: 'a', owner: 'o', balance: 1 })
      .thenEmits({
        account: [event('AccountOpened', { owner: 'o', balance: 1 })],
      })
  })
})

type Touched = Event<'Touched', Readonly<Record<string, never>>>
type Noted = Event<'Noted', { readonly last: string | undefined; readonly count: number }>

/** Remembers which of its two streams moved last: its `apply` depends on the order across streams. */
const noteLast = defineCommand({
  name: 'note-last',
  streams: (input: { readonly id: string }) => ({ a: `a-${input.id}`, b: `b-${input.id}` }),
  initialState: (): { last: string | undefined; count: number } => ({ last: undefined, count: 0 }),
  apply: (state, _event: Touched | Noted, stream) => ({ last: stream, count: state.count + 1 }),
  decide: (state) => ({ a: [event('Noted', { last: state.last, count: state.count })] }),
})

describe('commandSpec folds as the executor does', () => {
  const touched = (): Touched => event('Touched', {})

  it('folds history in global order, as the executor folds a store (it used to fold stream by stream)', async () => {
    // What the executor decides after a, b, a were appended in that order.
    const store = createMemoryStore()
    for (const stream of ['a-1', 'b-1', 'a-1']) await store.append([{ streamId: stream, events: [touched()] }])
    const run = await createExecutor({ store }).execute(noteLast, { id: '1' })
    if (!run.ok) throw run.error
    expect(run.events.map((e) => e.data)).toEqual([{ last: 'a', count: 3 }])

    // The spec, given the same history in that order, decides the same.
    const inOrder = commandSpec(noteLast).given([
      ['a', touched()],
      ['b', touched()],
      ['a', touched()],
    ])
    inOrder.when({ id: '1' }).thenEmits({ a: [event('Noted', { last: 'a', count: 3 })] })
    // Stream by stream (the old fold, for any history) it would have seen b last: not what runs.
    expect(() => inOrder.when({ id: '1' }).thenEmits({ a: [event('Noted', { last: 'b', count: 3 })] })).toThrow(
      SpecificationError,
    )
    // The object form means exactly that order: the streams one after another, as written.
    commandSpec(noteLast)
      .given({ a: [touched(), touched()], b: [touched()] })
      .when({ id: '1' })
      .thenEmits({ a: [event('Noted', { last: 'b', count: 3 })] })
  })

  it('compares events as JSON values, key order aside (it used to compare JSON.stringify output)', () => {
    // Decided as { last, count }; expected here with the keys the other way round.
    const wanted = { count: 1, last: 'b' }
    expect(JSON.stringify(wanted)).not.toBe(JSON.stringify({ last: 'b', count: 1 }))
    const spec = commandSpec(noteLast)
      .given([['b', touched()]])
      .when({ id: '1' })
    spec.thenEmits({ a: [event('Noted', wanted)] })
    expect(() => spec.thenEmits({ a: [event('Noted', { ...wanted, count: 2 })] })).toThrow(SpecificationError)
  })

  it('refuses what the executor refuses: two names for one stream (it used to decide anyway)', async () => {
    const input = { from: 'a', to: 'a', amount: 1, transferId: 't' }
    const run = await createExecutor({ store: createMemoryStore() }).execute(transfer, input)
    expect(run).toMatchObject({ ok: false, error: { kind: 'validation' } })
    const spec = commandSpec(transfer)
      .given({ from: [opened(10)], to: [opened(0)] })
      .when(input)
    expect(() => spec.thenRejects('insufficient-funds')).toThrow(/both name stream 'account-a'/)
    expect(() => spec.thenNothingHappens()).toThrow(SpecificationError)
  })
})
