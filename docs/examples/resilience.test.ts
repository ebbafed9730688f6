import { type EventStore, StoreUnavailableError } from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import { describe, expect, it } from 'vitest'
import { enroll } from './enrollment.js'
import { enrollWithin, resilientExecutor } from './resilience.js'

describe('resilience examples', () => {
  it('opens the breaker after failures, fails fast and reports not ready', async () => {
    const memory = createMemoryStore()
    const dead: EventStore = {
      ...memory,
      readStreams: async () => {
        throw new StoreUnavailableError('connect ECONNREFUSED', { transient: false })
      },
    }
    const { executor, breaker, ready } = resilientExecutor(dead)
    await ready.check()
    for (let i = 0; i < 10; i++) await executor.execute(enroll, { courseId: 'c', studentId: `s${i}` })
    expect(breaker.state()).toBe('open')
    const refused = await executor.execute(enroll, { courseId: 'c', studentId: 'x' })
    expect(refused).toMatchObject({ ok: false, error: { code: 'ERR_EVENTCORE_CIRCUIT_OPEN' } })
    await expect(ready.check()).rejects.toThrow(/open/)
  })

  it('stops a command when the client disconnects', async () => {
    const memory = createMemoryStore()
    const hung: EventStore = { ...memory, readStreams: () => new Promise(() => {}) }
    const { executor } = resilientExecutor(hung)
    const client = new AbortController()
    const pending = enrollWithin(executor, 60_000, client.signal)
    client.abort()
    expect(await pending).toMatchObject({ ok: false, error: { kind: 'timeout' } })
  })
})
