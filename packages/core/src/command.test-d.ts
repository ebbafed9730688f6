// Type tests: compiled by `tsc -b` (npm test runs it first). A @ts-expect-error that stops being an
// error fails the build, so each promise below is checked.
import { defineCommand, reject } from './command.js'
import { type Event, event } from './event.js'
import type { Executor } from './executor.js'

type Opened = Event<'Opened', { readonly owner: string }>
type Credited = Event<'Credited', { readonly amount: number }>

export const credit = defineCommand({
  name: 'credit',
  streams: (input: { readonly id: string; readonly amount: number }) => ({ account: `account-${input.id}` }),
  initialState: () => ({ open: false }),
  apply: (_state, e: Opened | Credited) => ({ open: e.type === 'Opened' || _state.open }),
  decide: (state, { amount }) => (state.open ? { account: [event('Credited', { amount })] } : reject('closed')),
})

export const undeclared = defineCommand({
  name: 'undeclared',
  streams: (input: { readonly id: string }) => ({ account: `account-${input.id}` }),
  initialState: () => null,
  apply: (state, _e: Credited) => state,
  // @ts-expect-error 'elsewhere' is not a declared stream
  decide: (_state) => ({ elsewhere: [event('Credited', { amount: 1 })] }),
})

export const wrongEvent = defineCommand({
  name: 'wrong-event',
  streams: (input: { readonly id: string }) => ({ account: `account-${input.id}` }),
  initialState: () => null,
  apply: (state, _e: Credited) => state,
  // @ts-expect-error 'Debited' is not one of the command's events
  decide: (_state) => ({ account: [event('Debited', { amount: 1 })] }),
})

export const wrongData = defineCommand({
  name: 'wrong-data',
  streams: (input: { readonly id: string }) => ({ account: `account-${input.id}` }),
  initialState: () => null,
  apply: (state, _e: Credited) => state,
  // @ts-expect-error amount must be a number
  decide: (_state) => ({ account: [event('Credited', { amount: 'one' })] }),
})

export async function versionsAreKeyedByStreamName(executor: Executor): Promise<number> {
  const result = await executor.execute(credit, { id: 'a', amount: 1 })
  if (!result.ok) return result.error.kind === 'business-rule' ? 0 : -1
  // @ts-expect-error only declared names are keys of versions
  void result.versions.other
  return result.versions.account
}

export async function inputIsChecked(executor: Executor): Promise<void> {
  // @ts-expect-error amount is required by credit's input
  await executor.execute(credit, { id: 'a' })
}
