// The demo's domain: bank accounts and e-mail sign-ups. Each command is a decider: it names the
// streams it reads, folds their events, and decides new events for those streams only.
import { defineCommand, type Event, event, reject } from '@eventcore/core'

export type AccountEvent =
  | Event<'AccountOpened', { readonly holder: string; readonly opening: number }>
  | Event<'Debited', { readonly amount: number; readonly reference: string }>
  | Event<'Credited', { readonly amount: number; readonly reference: string }>

/** What a command needs to know about one account. */
export interface Account {
  readonly exists: boolean
  readonly balance: number
}

const noAccount: Account = { exists: false, balance: 0 }

/** Folds one account event; shared by every command that reads accounts. */
export function evolveAccount(account: Account, e: AccountEvent): Account {
  switch (e.type) {
    case 'AccountOpened':
      return { exists: true, balance: e.data.opening }
    case 'Debited':
      return { ...account, balance: account.balance - e.data.amount }
    case 'Credited':
      return { ...account, balance: account.balance + e.data.amount }
  }
}

const accountStream = (id: string) => `account-${id}`

/** Opens an account; an id can be opened once. */
export const open = defineCommand({
  name: 'open-account',
  streams: (input: { readonly id: string; readonly holder: string; readonly opening: number }) => ({
    account: accountStream(input.id),
  }),
  initialState: () => noAccount,
  apply: (account, e: AccountEvent) => evolveAccount(account, e),
  decide: (account, { holder, opening }) =>
    account.exists ? reject('account-exists') : { account: [event('AccountOpened', { holder, opening })] },
})

/** Moves money: both accounts are read, and both are written in one atomic append. */
export const move = defineCommand({
  name: 'move-money',
  streams: (input: {
    readonly from: string
    readonly to: string
    readonly amount: number
    readonly reference: string
  }) => ({
    payer: accountStream(input.from),
    payee: accountStream(input.to),
  }),
  initialState: () => ({ payer: noAccount, payee: noAccount }),
  apply: (state, e: AccountEvent, stream) => ({ ...state, [stream]: evolveAccount(state[stream], e) }),
  decide: ({ payer, payee }, { amount, reference }) => {
    if (!payer.exists || !payee.exists) return reject('unknown-account')
    if (payer.balance < amount) return reject('insufficient-funds', `the payer has ${payer.balance}, not ${amount}`)
    return { payer: [event('Debited', { amount, reference })], payee: [event('Credited', { amount, reference })] }
  },
})

export type SignUpEvent =
  | Event<'SignedUp', { readonly member: string; readonly email: string }>
  | Event<'AddressClaimed', { readonly by: string }>

/** Signs a member up; the e-mail address is claimed in its own stream, so it is unique. */
export const signUp = defineCommand({
  name: 'sign-up',
  streams: (input: { readonly member: string; readonly email: string }) => ({
    member: `member-${input.member}`,
    address: `address-${input.email.toLowerCase()}`,
  }),
  initialState: () => ({ member: false, claimed: false }),
  apply: (state, e: SignUpEvent) => (e.type === 'SignedUp' ? { ...state, member: true } : { ...state, claimed: true }),
  decide: (state, { member, email }) => {
    if (state.member) return reject('already-member')
    if (state.claimed) return reject('address-taken', `${email} is already in use`)
    return { member: [event('SignedUp', { member, email })], address: [event('AddressClaimed', { by: member })] }
  },
})
