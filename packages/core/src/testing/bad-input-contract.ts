import { expect, it } from 'vitest'
import { ValidationError } from '../errors.js'
import type { Event } from '../event.js'
import type { EventStore } from '../event-store.js'
import { countAll, opened, uniqueStream, write } from './contract-fixtures.js'

/**
 * Bad input, refused by a thrown validation error naming where, with nothing written: malformed
 * writes, data that is not plain JSON, and text no database can store (NUL, lone UTF-16 surrogates).
 */
export function describeBadInput(open: () => Promise<EventStore>): void {
  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  const cases: Array<[string, () => unknown[], string]> = [
    ['no writes', () => [[]], 'writes'],
    ['an empty stream id', () => [[write('', opened())]], 'writes.0.streamId'],
    ['a stream with no events', () => [[{ streamId: uniqueStream(), events: [] }]], 'writes.0.events'],
    [
      'a stream named twice',
      () => {
        const s = uniqueStream()
        return [[write(s, opened()), write(s, opened())]]
      },
      'writes.1.streamId',
    ],
    ['an empty event type', () => [[write(uniqueStream(), { type: '', data: {} })]], 'writes.0.events.0.type'],
    ['a bigint in data', () => [[write(uniqueStream(), { type: 'X', data: { n: 1n } })]], 'writes.0.events.0.data.n'],
    [
      'NaN in data',
      () => [[write(uniqueStream(), { type: 'X', data: { n: Number.NaN } })]],
      'writes.0.events.0.data.n',
    ],
    [
      'a Date in data',
      () => [[write(uniqueStream(), { type: 'X', data: { at: new Date() } })]],
      'writes.0.events.0.data.at',
    ],
    ['a cycle in data', () => [[write(uniqueStream(), { type: 'X', data: cycle })]], 'writes.0.events.0.data.self'],
    [
      'a NUL character',
      () => [[write(uniqueStream(), { type: 'X', data: { s: 'a\u0000b' } })]],
      'writes.0.events.0.data.s',
    ],
    [
      'a lone UTF-16 surrogate in data',
      () => [[write(uniqueStream(), { type: 'X', data: { list: ['ok', 'a\ud800'] } })]],
      'writes.0.events.0.data.list.1',
    ],
    [
      'a lone UTF-16 surrogate in a data key',
      () => [[write(uniqueStream(), { type: 'X', data: { nested: { 'k\udc00': 1 } } })]],
      'writes.0.events.0.data.nested',
    ],
    [
      'a lone UTF-16 surrogate in metadata',
      () => [[write(uniqueStream(), { type: 'X', data: {}, metadata: { by: 'a\ud800' } })]],
      'writes.0.events.0.metadata.by',
    ],
    [
      'a NUL character in metadata',
      () => [[write(uniqueStream(), { type: 'X', data: {}, metadata: { by: 'a\u0000' } })]],
      'writes.0.events.0.metadata.by',
    ],
    ['a NUL character in a stream id', () => [[write('s\u0000', opened())]], 'writes.0.streamId'],
    ['a lone UTF-16 surrogate in a stream id', () => [[write('s\ud800', opened())]], 'writes.0.streamId'],
    [
      'a lone UTF-16 surrogate in an event type',
      () => [[write(uniqueStream(), { type: 'X\udfff', data: {} })]],
      'writes.0.events.0.type',
    ],
    ['missing data', () => [[write(uniqueStream(), { type: 'X' } as Event)]], 'writes.0.events.0.data'],
    [
      'an oversized payload',
      () => [[write(uniqueStream(), { type: 'X', data: { s: 'x'.repeat(1_100_000) } })]],
      'writes.0.events.0.data',
    ],
    [
      'an event id that is not a UUID',
      () => [[write(uniqueStream(), { ...opened(), eventId: 'abc' })]],
      'writes.0.events.0.eventId',
    ],
    [
      'a schema version of 0',
      () => [[write(uniqueStream(), { ...opened(), schemaVersion: 0 })]],
      'writes.0.events.0.schemaVersion',
    ],
    [
      'an unknown expected-version form',
      () => {
        const s = uniqueStream()
        return [[write(s, opened())], { expectedVersions: { [s]: 'latest' } }]
      },
      'expectedVersions.',
    ],
    [
      'a negative expected version',
      () => {
        const s = uniqueStream()
        return [[write(s, opened())], { expectedVersions: { [s]: -1 } }]
      },
      'expectedVersions.',
    ],
  ]
  for (const [what, args, path] of cases) {
    it(`rejects ${what} with a validation error before writing anything`, async () => {
      const store = await open()
      const [writes, options] = args() as Parameters<EventStore['append']>
      const before = await countAll(store)
      const refused = await store.append(writes, options).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(refused).toBeInstanceOf(ValidationError)
      expect(refused).toMatchObject({ kind: 'validation', code: 'ERR_EVENTCORE_VALIDATION' })
      expect((refused as ValidationError).message).toContain(path)
      expect(await countAll(store)).toBe(before)
    })
  }

  it('lists every problem of an append at once', async () => {
    const store = await open()
    const refused = await store.append([write('', { type: '', data: { n: Number.POSITIVE_INFINITY } })]).then(
      () => undefined,
      (error: unknown) => error,
    )
    if (!(refused instanceof ValidationError)) throw new Error('expected a validation error')
    expect(refused.issues.map((i) => i.path)).toEqual([
      'writes.0.streamId',
      'writes.0.events.0.type',
      'writes.0.events.0.data.n',
    ])
  })
}
