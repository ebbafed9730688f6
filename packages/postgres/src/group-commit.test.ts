import { describe, expect, it } from 'vitest'
import { createGroupCommit, type Outcome } from './group-commit.js'

// A statement that finishes when the test says so, recording what was sent.
function fakeStatements() {
  const sent: Array<{ kind: 'one' | 'many'; items: number[]; finish: () => void; fail: (e: unknown) => void }> = []
  const statement = <R>(kind: 'one' | 'many', items: number[], answer: () => R) =>
    new Promise<R>((resolve, reject) => {
      sent.push({ kind, items, finish: () => resolve(answer()), fail: reject })
    })
  const one = (item: number) => statement('one', [item], () => item * 10)
  const many = (items: readonly number[]) =>
    statement('many', [...items], () =>
      items.map(
        (item): Outcome<number> =>
          item < 0 ? { ok: false, error: new Error(`bad ${item}`) } : { ok: true, result: item * 10 },
      ),
    )
  return { sent, one, many }
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('group commit', () => {
  it('sends an item at once, alone, when nothing is in flight', async () => {
    const { sent, one, many } = fakeStatements()
    const commit = createGroupCommit({ one, many })
    const result = commit.submit(1)
    expect(sent.map((s) => [s.kind, s.items])).toEqual([['one', [1]]])
    sent[0]?.finish()
    await expect(result).resolves.toBe(10)
  })

  it('sends the items that arrived meanwhile as one batch when the statement in flight finishes', async () => {
    const { sent, one, many } = fakeStatements()
    const commit = createGroupCommit({ one, many })
    const results = [1, 2, -3, 4].map((n) => commit.submit(n).catch((error: Error) => error.message))
    expect(sent).toHaveLength(1)
    sent[0]?.finish()
    await tick()
    expect(sent.map((s) => [s.kind, s.items])).toEqual([
      ['one', [1]],
      ['many', [2, -3, 4]],
    ])
    sent[1]?.finish()
    expect(await Promise.all(results)).toEqual([10, 20, 'bad -3', 40])
  })

  it('fails every item of a batch whose statement failed, and goes on with the next', async () => {
    const { sent, one, many } = fakeStatements()
    const commit = createGroupCommit({ one, many })
    const first = commit.submit(1)
    const batch = [2, 3].map((n) => commit.submit(n).catch((error: Error) => error.message))
    sent[0]?.finish()
    await first
    await tick()
    sent[1]?.fail(new Error('connection lost'))
    expect(await Promise.all(batch)).toEqual(['connection lost', 'connection lost'])
    const next = commit.submit(4)
    await tick()
    expect(sent.map((s) => s.items)).toEqual([[1], [2, 3], [4]])
    sent.at(-1)?.finish()
    await expect(next).resolves.toBe(40)
  })

  it('sends at most maxBatch items in one statement, and up to maxInFlight statements at once', async () => {
    const { sent, one, many } = fakeStatements()
    const commit = createGroupCommit({ one, many, maxInFlight: 2, maxBatch: 3 })
    const results = Array.from({ length: 7 }, (_, i) => commit.submit(i + 1))
    expect(sent.map((s) => s.items)).toEqual([[1], [2]])
    sent[0]?.finish()
    await tick()
    expect(sent.map((s) => s.items)).toEqual([[1], [2], [3, 4, 5]])
    sent[1]?.finish()
    await tick()
    expect(sent.map((s) => s.items)).toEqual([[1], [2], [3, 4, 5], [6, 7]])
    for (const s of sent.slice(2)) s.finish()
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50, 60, 70])
  })
})
