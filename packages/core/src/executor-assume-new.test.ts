import { describe, expect, it } from 'vitest'
import { defineCommand, reject } from './command.js'
import { type Event, event } from './event.js'
import type { EventStore } from './event-store.js'
import { type CommandOutcome, createExecutor } from './executor.js'
import { createMemoryStore } from './memory-store.js'

type Claimed = Event<'Claimed', { readonly by: string }>

/** Claims a name for someone: refused when another holds it; reads and writes one stream. */
const claim = defineCommand({
  name: 'claim',
  streams: (input: { readonly name: string; readonly by: string }) => ({ name: `name-${input.name}` }),
  initialState: (): { holder: string | undefined } => ({ holder: undefined }),
  apply: (_state, e: Claimed) => ({ holder: e.data.by }),
  decide: (state, input) => {
    if (state.holder === input.by) return {}
    if (state.holder) return reject('taken', `${input.name} belongs to ${state.holder}`)
    return { name: [event('Claimed', { by: input.by })] }
  },
})

/** Needs the stream to exist: on empty streams it refuses, so a guess must not be trusted. */
const touch = defineCommand({
  name: 'touch',
  streams: (input: { readonly name: string }) => ({ name: `name-${input.name}` }),
  initialState: () => ({ exists: false }),
  apply: () => ({ exists: true }),
  decide: (state) => (state.exists ? { name: [event('Claimed', { by: 'touch' })] } : reject('not-found')),
})

/** Counts the reads a store serves. */
function counting(store: EventStore): EventStore & { reads: () => number } {
  let reads = 0
  return {
    ...store,
    readStreams: (ids) => {
      reads += 1
      return store.readStreams(ids)
    },
    reads: () => reads,
  }
}

describe('executor with assumeNewStreams', () => {
  it('creates new streams with one append and no read', async () => {
    const store = counting(createMemoryStore())
    const result = await createExecutor({ store }).execute(claim, { name: 'ada', by: 'u1' }, { assumeNewStreams: true })
    expect(result).toMatchObject({ ok: true, attempts: 1, versions: { name: 1 } })
    expect(store.reads()).toBe(0)
  })

  it('reads and decides again when a stream had events, and reports no retry for the wrong guess', async () => {
    const store = counting(createMemoryStore())
    const retries: unknown[] = []
    const outcomes: CommandOutcome[] = []
    const executor = createExecutor({
      store,
      observer: { onRetry: (r) => retries.push(r), onOutcome: (o) => outcomes.push(o) },
    })
    await executor.execute(claim, { name: 'ada', by: 'u1' })
    const second = await executor.execute(claim, { name: 'ada', by: 'u2' }, { assumeNewStreams: true })
    expect(second).toMatchObject({ ok: false, error: { kind: 'business-rule', rule: 'taken' } })
    expect(store.reads()).toBe(2) // the first execute's read and the second's, after the guess failed
    expect(retries).toEqual([])
    expect(outcomes.at(-1)).toMatchObject({ outcome: 'business-rule', attempts: 2 })
    expect((await store.readStream('name-ada')).version).toBe(1)
  })

  it('does not trust a rejection or an empty decision made on the guess', async () => {
    const store = createMemoryStore()
    const executor = createExecutor({ store })
    await executor.execute(claim, { name: 'bob', by: 'u1' })
    const touched = await executor.execute(touch, { name: 'bob' }, { assumeNewStreams: true })
    expect(touched).toMatchObject({ ok: true, attempts: 2, versions: { name: 2 } })
    const again = await executor.execute(claim, { name: 'bob', by: 'touch' }, { assumeNewStreams: true })
    expect(again).toMatchObject({ ok: true, events: [], versions: { name: 2 } })
  })

  it('lets exactly one of 20 concurrent guesses claim a name', async () => {
    const executor = createExecutor({ store: createMemoryStore() })
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        executor.execute(claim, { name: 'eve', by: `u${i}` }, { assumeNewStreams: true }),
      ),
    )
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    expect(results.filter((r) => !r.ok && r.error.kind === 'business-rule')).toHaveLength(19)
  })
})
