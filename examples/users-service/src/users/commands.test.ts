import { ValidationError } from '@eventcore/core'
import { commandSpec } from '@eventcore/core/testing'
import { describe, expect, it } from 'vitest'
import { deactivateUser, registerUser, updateUser } from './commands.js'
import {
  emailClaimed,
  emailReleased,
  userDeactivated,
  userEmailChanged,
  userRegistered,
  userRenamed,
} from './events.js'

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  return undefined
}

const ada = { userId: 'u1', email: 'Ada@Example.com', firstName: 'Ada', lastName: 'Lovelace' }
const registered = userRegistered(ada)

describe('registerUser', () => {
  it('registers the user and claims the address in one decision', () => {
    commandSpec(registerUser)
      .given({})
      .when({ ...ada, email: ' Ada@Example.com ', firstName: ' Ada ' })
      .thenEmits({ user: [registered], email: [emailClaimed('u1')] })
  })

  it('rejects an id that is already registered with user-exists', () => {
    commandSpec(registerUser)
      .given({ user: [registered] })
      .when(ada)
      .thenRejects('user-exists')
  })

  it('rejects an address another user holds with email-taken, whatever its letter case', () => {
    commandSpec(registerUser)
      .given({ email: [emailClaimed('u1')] })
      .when({ ...ada, userId: 'u2', email: 'ADA@example.COM' })
      .thenRejects('email-taken')
  })

  it('registers an address its previous holder released', () => {
    commandSpec(registerUser)
      .given({ email: [emailClaimed('u1'), emailReleased('u1')] })
      .when({ ...ada, userId: 'u2' })
      .thenEmits({ user: [userRegistered({ ...ada, userId: 'u2' })], email: [emailClaimed('u2')] })
  })

  it('puts addresses differing only in case and spaces in one claim stream', () => {
    const streams = (email: string) => registerUser.streams({ ...ada, email })
    expect(streams(' ADA@example.com').email).toBe(streams('ada@EXAMPLE.com').email)
    expect(streams('ada@example.com')).toEqual({ user: 'user-u1', email: 'email-ada@example.com' })
  })

  it('refuses malformed input with every problem at once', () => {
    const run = () => registerUser.streams({ userId: 'no spaces', email: 'nope', firstName: ' ', lastName: 'L' })
    expect(run).toThrow(ValidationError)
    expect(thrown(run)).toMatchObject({ issues: [{ path: 'userId' }, { path: 'email' }, { path: 'firstName' }] })
  })
})

describe('updateUser', () => {
  it('renames a user, keeping the part not given', () => {
    commandSpec(updateUser)
      .given({ user: [registered] })
      .when({ userId: 'u1', firstName: 'Augusta' })
      .thenEmits({ user: [userRenamed({ firstName: 'Augusta', lastName: 'Lovelace' })] })
  })

  it('changes the address by claiming the new one and releasing the old one in one decision', () => {
    commandSpec(updateUser)
      .given({ user: [registered] })
      .when({ userId: 'u1', email: 'ada@lovelace.org' })
      .thenEmits({
        user: [userEmailChanged({ previousEmail: 'Ada@Example.com', email: 'ada@lovelace.org' })],
        newClaim: [emailClaimed('u1')],
        previousClaim: [emailReleased('u1')],
      })
  })

  it('renames and changes the address together', () => {
    commandSpec(updateUser)
      .given({ user: [registered] })
      .when({ userId: 'u1', lastName: 'King', email: 'ada@king.org', expectedVersion: 1 })
      .thenEmits({
        user: [
          userRenamed({ firstName: 'Ada', lastName: 'King' }),
          userEmailChanged({ previousEmail: 'Ada@Example.com', email: 'ada@king.org' }),
        ],
        newClaim: [emailClaimed('u1')],
        previousClaim: [emailReleased('u1')],
      })
  })

  it('finds both claim streams from the state when the address changes', () => {
    let state = updateUser.initialState()
    state = updateUser.apply(state, registered, 'user')
    expect(updateUser.discover?.(state, { userId: 'u1', email: 'ada@lovelace.org' })).toEqual({
      previousClaim: 'email-ada@example.com',
      newClaim: 'email-ada@lovelace.org',
    })
    expect(updateUser.discover?.(state, { userId: 'u1', email: 'ADA@example.com' })).toEqual({})
  })

  it('keeps the claim when only the letter case changes', () => {
    commandSpec(updateUser)
      .given({ user: [registered] })
      .when({ userId: 'u1', email: 'ada@example.com' })
      .thenEmits({ user: [userEmailChanged({ previousEmail: 'Ada@Example.com', email: 'ada@example.com' })] })
  })

  it('rejects an address another user holds with email-taken', () => {
    commandSpec(updateUser)
      .given({ user: [registered], newClaim: [emailClaimed('u2')] })
      .when({ userId: 'u1', email: 'grace@example.com' })
      .thenRejects('email-taken')
  })

  it('takes an address that was released', () => {
    commandSpec(updateUser)
      .given({ user: [registered], newClaim: [emailClaimed('u2'), emailReleased('u2')] })
      .when({ userId: 'u1', email: 'grace@example.com' })
      .thenEmits({
        user: [userEmailChanged({ previousEmail: 'Ada@Example.com', email: 'grace@example.com' })],
        newClaim: [emailClaimed('u1')],
        previousClaim: [emailReleased('u1')],
      })
  })

  it('rejects a stale expected version with version-mismatch, naming both versions', () => {
    const history = { user: [registered, userRenamed({ firstName: 'Augusta', lastName: 'Lovelace' })] }
    commandSpec(updateUser)
      .given(history)
      .when({ userId: 'u1', firstName: 'Ada', expectedVersion: 1 })
      .thenRejects('version-mismatch')
    let state = updateUser.initialState()
    for (const e of history.user) state = updateUser.apply(state, e, 'user')
    expect(updateUser.decide(state, { userId: 'u1', firstName: 'Ada', expectedVersion: 1 })).toMatchObject({
      rule: 'version-mismatch',
      details: { expected: 1, actual: 2 },
    })
  })

  it('rejects a user with no events with user-not-found', () => {
    commandSpec(updateUser).given({}).when({ userId: 'u1', firstName: 'Ada' }).thenRejects('user-not-found')
  })

  it('rejects a deactivated user with user-deactivated', () => {
    commandSpec(updateUser)
      .given({ user: [registered, userDeactivated()] })
      .when({ userId: 'u1', firstName: 'Augusta' })
      .thenRejects('user-deactivated')
  })

  it('does nothing for a PATCH that changes nothing', () => {
    commandSpec(updateUser)
      .given({ user: [registered] })
      .when({ userId: 'u1', firstName: ' Ada', lastName: 'Lovelace', email: 'Ada@Example.com', expectedVersion: 1 })
      .thenNothingHappens()
    commandSpec(updateUser)
      .given({ user: [registered] })
      .when({ userId: 'u1' })
      .thenNothingHappens()
  })

  it('refuses a malformed expected version or a blank name', () => {
    expect(() => updateUser.streams({ userId: 'u1', expectedVersion: -1 })).toThrow(/expectedVersion/)
    expect(() => updateUser.streams({ userId: 'u1', lastName: '' })).toThrow(/lastName: must not be blank/)
  })
})

describe('deactivateUser', () => {
  it('deactivates an active user', () => {
    commandSpec(deactivateUser)
      .given({ user: [registered] })
      .when({ userId: 'u1', expectedVersion: 1 })
      .thenEmits({ user: [userDeactivated()] })
  })

  it('does nothing for a user already deactivated', () => {
    commandSpec(deactivateUser)
      .given({ user: [registered, userDeactivated()] })
      .when({ userId: 'u1' })
      .thenNothingHappens()
  })

  it('rejects a user with no events with user-not-found', () => {
    commandSpec(deactivateUser).given({}).when({ userId: 'u1' }).thenRejects('user-not-found')
  })

  it('rejects a stale expected version with version-mismatch', () => {
    commandSpec(deactivateUser)
      .given({ user: [registered, userRenamed({ firstName: 'A', lastName: 'L' })] })
      .when({ userId: 'u1', expectedVersion: 1 })
      .thenRejects('version-mismatch')
  })
})
