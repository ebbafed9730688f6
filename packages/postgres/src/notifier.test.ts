import { describe, expect, it } from 'vitest'
import { createNotifier } from './notifier.js'

describe('notifier', () => {
  it('sends once for a burst of appends, then once more for those that came during the send', async () => {
    let sends = 0
    let release: () => void = () => {}
    const notifier = createNotifier(
      () => {
        sends++
        return new Promise<void>((resolve) => {
          release = resolve
        })
      },
      { intervalMs: 0 },
    )
    notifier.poke()
    notifier.poke()
    notifier.poke()
    expect(sends).toBe(1)
    release()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(sends).toBe(2) // the pokes during the first send share the second one
    release()
    await notifier.drain()
    expect(sends).toBe(2)
  })

  it('waits out the interval between sends, and drain sends what is pending at once', async () => {
    let clock = 0
    let sends = 0
    const notifier = createNotifier(
      async () => {
        sends++
      },
      { intervalMs: 1000, now: () => clock },
    )
    notifier.poke()
    await notifier.drain()
    notifier.poke()
    clock = 10
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(sends).toBe(1) // throttled: 990 ms still to go
    await notifier.drain()
    expect(sends).toBe(2)
  })

  it('survives a failing send', async () => {
    let sends = 0
    const notifier = createNotifier(
      async () => {
        sends++
        throw new Error('connection lost')
      },
      { intervalMs: 0 },
    )
    notifier.poke()
    await notifier.drain()
    notifier.poke()
    await notifier.drain()
    expect(sends).toBe(2)
  })
})
