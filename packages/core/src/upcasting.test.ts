import { describe, expect, it } from 'vitest'
import { createMemoryStore } from './memory-store.js'
import { createUpcaster, type Upcaster } from './upcasting.js'

const splitName: Upcaster = {
  type: 'UserRegistered',
  fromVersion: 1,
  upcast: (data) => {
    const { name, ...rest } = data as { name: string }
    const [first = '', ...last] = name.split(' ')
    return { ...rest, firstName: first, lastName: last.join(' ') }
  },
}
const addLocale: Upcaster = {
  type: 'UserRegistered',
  fromVersion: 2,
  upcast: (data) => ({ ...(data as object), locale: 'en' }),
}

describe('upcasting', () => {
  it('brings old events to the newest shape, step by step, on every read', async () => {
    const store = createMemoryStore({ upcasters: [addLocale, splitName] })
    await store.append([
      {
        streamId: 'user-1',
        events: [
          { type: 'UserRegistered', data: { name: 'Ada King Lovelace' } },
          { type: 'UserRegistered', schemaVersion: 3, data: { firstName: 'New', lastName: 'Shape', locale: 'fr' } },
          { type: 'Renamed', data: { name: 'untouched' } },
        ],
      },
    ])
    const expected = [
      { schemaVersion: 3, data: { firstName: 'Ada', lastName: 'King Lovelace', locale: 'en' } },
      { schemaVersion: 3, data: { firstName: 'New', lastName: 'Shape', locale: 'fr' } },
      { schemaVersion: 1, data: { name: 'untouched' } },
    ]
    expect((await store.readStream('user-1')).events).toMatchObject(expected)
    expect((await store.readAll()).events).toMatchObject(expected)
    expect((await store.readStreams(['user-1'])).get('user-1')?.events).toMatchObject(expected)
  })

  it('refuses two upcasters for the same step', () => {
    expect(() => createUpcaster([splitName, splitName])).toThrow(/two upcasters for UserRegistered version 1/)
  })
})
