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

describe('addresses a reader cannot tell apart', () => {
  // Each renders like ada@example.com (or nearly), yet differs in code points.
  const LOOK_ALIKES = [
    ['a Cyrillic а', '\u0430da@example.com'],
    ['a Cyrillic е in the domain', 'ada@\u0435xample.com'],
    ['a full-width ＠', 'ada\uff20example.com'],
    ['full-width letters', '\uff41da@example.com'],
    ['a zero-width space', 'a\u200bda@example.com'],
    ['a combining acute accent', 'ada\u0301@example.com'],
    ['a Kelvin sign for k', 'ada@\u212aexample.com'],
    ['an ﬁ ligature', 'ada@\ufb01rm.example'],
    ['a Unicode domain (not IDNA-encoded)', 'ada@b\u00fccher.example'],
  ] as const

  it.each(LOOK_ALIKES)('refuses an address with %s, on registration and on change', (_, email) => {
    const register = () => registerUser.streams({ ...ada, email })
    expect(register).toThrow(ValidationError)
    expect(thrown(register)).toMatchObject({ issues: [{ path: 'email', message: expect.stringMatching(/ASCII/) }] })
    expect(() => updateUser.streams({ userId: 'u1', email })).toThrow(/email: must be ASCII/)
  })

  it('accepts an internationalized domain in its IDNA form, and folds its case', () => {
    const streams = (email: string) => registerUser.streams({ ...ada, email })
    expect(streams('Ada@XN--Bcher-kva.example').email).toBe('email-ada@xn--bcher-kva.example')
  })

  it('never repeats the address or a name in a refusal, whose message reaches the logs', () => {
    const refusals = [
      thrown(() => registerUser.streams({ ...ada, email: 'ada lovelace@example.com' })),
      thrown(() => registerUser.streams({ ...ada, email: 'ada@exämple.com' })),
      registerUser.decide({ profile: undefined, claim: 'u1' }, { ...ada, userId: 'u2' }),
      updateUser.decide(
        {
          profile: { id: 'u1', email: ada.email, firstName: 'Ada', lastName: 'Lovelace', status: 'active', version: 1 },
          newClaim: 'u2',
        },
        { userId: 'u1', email: 'grace@example.com' },
      ),
    ]
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ message: expect.any(String) })
      expect(JSON.stringify(refusal)).not.toMatch(/ada|lovelace|grace/i)
    }
  })
})
