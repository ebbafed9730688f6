import { describe, expect, it } from 'vitest'
import { createMemoryStore } from './memory-store.js'
import { describeStoreContract } from './testing/store-contract.js'

describeStoreContract('memory', async () => createMemoryStore())

describe('memory store', () => {
  it('keeps stored events apart from the caller’s objects', async () => {
    const store = createMemoryStore()
    const data = { list: [1] }
    await store.append([{ streamId: 's', events: [{ type: 'X', data }] }])
    data.list.push(2)
    expect((await store.readStream('s')).events[0]?.data).toEqual({ list: [1] })
  })
})
