import { type RecordedEvent, type StreamSlice, uuidv7 } from '@eventcore/core'
import { describe, expect, it } from 'vitest'
import { type UserEvent, userDeactivated, userEmailChanged, userRegistered, userRenamed } from './events.js'
import { userFromStream } from './user.js'

function slice(events: Array<{ event: UserEvent; occurredAt?: string; recordedAt?: string }>): StreamSlice {
  const recorded = events.map(
    ({ event, occurredAt, recordedAt = '2030-01-01T00:00:00.000Z' }, i): RecordedEvent => ({
      type: event.type,
      data: event.data,
      eventId: uuidv7(),
      streamId: 'user-u1',
      streamVersion: i + 1,
      globalPosition: i + 10,
      transactionId: i + 100,
      schemaVersion: 1,
      metadata: occurredAt === undefined ? {} : { occurredAt },
      recordedAt: new Date(recordedAt),
    }),
  )
  return { streamId: 'user-u1', version: recorded.length, events: recorded }
}

const registered = userRegistered({ userId: 'u1', email: 'Ada@Example.com', firstName: 'Ada', lastName: 'Lovelace' })

describe('userFromStream', () => {
  it('returns undefined for a stream without events', () => {
    expect(userFromStream(slice([]))).toBeUndefined()
  })

  it('reads a registered user with the stream version and the time of registration', () => {
    expect(userFromStream(slice([{ event: registered, occurredAt: '2025-01-02T03:04:05.006Z' }]))).toEqual({
      id: 'u1',
      email: 'Ada@Example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      status: 'active',
      version: 1,
      createdAt: '2025-01-02T03:04:05.006Z',
      updatedAt: '2025-01-02T03:04:05.006Z',
    })
  })

  it('applies renames, address changes and deactivation in order', () => {
    const user = userFromStream(
      slice([
        { event: registered, occurredAt: '2025-01-01T00:00:00.000Z' },
        { event: userRenamed({ firstName: 'Augusta', lastName: 'King' }), occurredAt: '2025-01-02T00:00:00.000Z' },
        {
          event: userEmailChanged({ previousEmail: 'Ada@Example.com', email: 'ada@king.org' }),
          occurredAt: '2025-01-03T00:00:00.000Z',
        },
        { event: userDeactivated(), occurredAt: '2025-01-04T00:00:00.000Z' },
      ]),
    )
    expect(user).toMatchObject({
      firstName: 'Augusta',
      lastName: 'King',
      email: 'ada@king.org',
      status: 'deactivated',
      version: 4,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-04T00:00:00.000Z',
    })
  })

  it('falls back to the recorded time when an event has no occurredAt', () => {
    const user = userFromStream(slice([{ event: registered, recordedAt: '2026-05-06T07:08:09.010Z' }]))
    expect(user?.createdAt).toBe('2026-05-06T07:08:09.010Z')
  })
})
