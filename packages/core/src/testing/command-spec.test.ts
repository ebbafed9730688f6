import { describe, expect, it } from 'vitest'
import { event } from '../event.js'
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
