import { defineCommand, reject } from '../command.js'
import { type Event, event } from '../event.js'

/** Events of the sample bank used by the contract suite and the docs. */
export type AccountEvent =
  | Event<'AccountOpened', { readonly owner: string; readonly balance: number }>
  | Event<'MoneyWithdrawn', { readonly amount: number; readonly transferId: string }>
  | Event<'MoneyDeposited', { readonly amount: number; readonly transferId: string }>

interface Balances {
  readonly from: { readonly open: boolean; readonly balance: number }
  readonly to: { readonly open: boolean; readonly balance: number }
}

/** Input of {@link transfer}. */
export interface TransferInput {
  readonly from: string
  readonly to: string
  readonly amount: number
  readonly transferId: string
}

const closed = { open: false, balance: 0 }

/** Moves money between two accounts: reads both streams, writes both in one append. */
export const transfer = defineCommand({
  name: 'transfer',
  streams: (input: TransferInput) => ({ from: `account-${input.from}`, to: `account-${input.to}` }),
  initialState: (): Balances => ({ from: closed, to: closed }),
  apply: (state, event: AccountEvent, stream): Balances => {
    const account = state[stream]
    switch (event.type) {
      case 'AccountOpened':
        return { ...state, [stream]: { open: true, balance: event.data.balance } }
      case 'MoneyWithdrawn':
        return { ...state, [stream]: { ...account, balance: account.balance - event.data.amount } }
      case 'MoneyDeposited':
        return { ...state, [stream]: { ...account, balance: account.balance + event.data.amount } }
    }
  },
  decide: (state, { amount, transferId }) => {
    if (!state.from.open || !state.to.open) return reject('account-not-open')
    if (state.from.balance < amount)
      return reject('insufficient-funds', `balance is ${state.from.balance}, the transfer needs ${amount}`)
    return {
      from: [event('MoneyWithdrawn', { amount, transferId })],
      to: [event('MoneyDeposited', { amount, transferId })],
    }
  },
})

/** Opens an account with a starting balance; refuses an account that exists. */
export const openAccount = defineCommand({
  name: 'open-account',
  streams: (input: { readonly id: string; readonly owner: string; readonly balance: number }) => ({
    account: `account-${input.id}`,
  }),
  initialState: () => ({ open: false }),
  apply: (_state, event: AccountEvent) => ({ open: event.type === 'AccountOpened' || _state.open }),
  decide: (state, { owner, balance }) =>
    state.open ? reject('account-exists') : { account: [event('AccountOpened', { owner, balance })] },
})

/** Events of the e-mail uniqueness sample. */
export type RegistrationEvent =
  | Event<'UserRegistered', { readonly userId: string; readonly email: string }>
  | Event<'EmailClaimed', { readonly userId: string }>

/** Registers a user and claims the e-mail in one atomic append: a claimed e-mail is refused. */
export const registerUser = defineCommand({
  name: 'register-user',
  streams: (input: { readonly userId: string; readonly email: string }) => ({
    user: `user-${input.userId}`,
    email: `email-${input.email.toLowerCase()}`,
  }),
  initialState: () => ({ registered: false, emailTaken: false }),
  apply: (state, event: RegistrationEvent) => {
    switch (event.type) {
      case 'UserRegistered':
        return { ...state, registered: true }
      case 'EmailClaimed':
        return { ...state, emailTaken: true }
    }
  },
  decide: (state, { userId, email }) => {
    if (state.registered) return reject('user-exists')
    if (state.emailTaken) return reject('email-taken', `${email} is already registered`)
    return {
      user: [event('UserRegistered', { userId, email })],
      email: [event('EmailClaimed', { userId })],
    }
  },
})
