import { describe, expect, it } from 'vitest'
import { DEFAULT_DATABASE_URL, readSettings, redactUrl } from './settings.js'

describe('readSettings', () => {
  it('prefers the bench URL, then the test URL, then the local server', () => {
    expect(
      readSettings({ EVENTCORE_BENCH_DATABASE_URL: 'postgres://a', EVENTCORE_TEST_DATABASE_URL: 'postgres://b' }),
    ).toMatchObject({ databaseUrl: 'postgres://a' })
    expect(readSettings({ EVENTCORE_TEST_DATABASE_URL: 'postgres://b' })).toMatchObject({ databaseUrl: 'postgres://b' })
    expect(readSettings({})).toMatchObject({
      databaseUrl: DEFAULT_DATABASE_URL,
      durationMs: 1000,
      rounds: 3,
      only: undefined,
    })
  })

  it('derives a warm-up of a third of the duration, at most half a second', () => {
    expect(readSettings({ EVENTCORE_BENCH_SECONDS: '0.3' }).warmupMs).toBeCloseTo(100)
    expect(readSettings({ EVENTCORE_BENCH_SECONDS: '5' }).warmupMs).toBe(500)
  })

  it('reads EVENTCORE_BENCH_ONLY as distinct scenario numbers, ascending; unset or blank runs all', () => {
    expect(readSettings({ EVENTCORE_BENCH_ONLY: '6' }).only).toEqual([6])
    expect(readSettings({ EVENTCORE_BENCH_ONLY: ' 7, 6,6 ' }).only).toEqual([6, 7])
    expect(readSettings({ EVENTCORE_BENCH_ONLY: '1,2', EVENTCORE_BENCH_SECONDS: '2' }, 2).only).toEqual([1, 2])
    expect(readSettings({ EVENTCORE_BENCH_ONLY: '' }).only).toBeUndefined()
    expect(readSettings({ EVENTCORE_BENCH_ONLY: '  ' }).only).toBeUndefined()
  })

  it('refuses scenario numbers that are not whole numbers from 1 to the count', () => {
    for (const text of ['0', '8', '6,', '6;7', 'six', '1.5', '-1']) {
      expect(() => readSettings({ EVENTCORE_BENCH_ONLY: text }), text).toThrow(
        /EVENTCORE_BENCH_ONLY must be scenario numbers 1–7/,
      )
    }
    expect(() => readSettings({ EVENTCORE_BENCH_ONLY: '3' }, 2)).toThrow(/1–2 separated by commas, got '3'/)
  })

  it('reports every invalid value in one error', () => {
    expect(() =>
      readSettings({ EVENTCORE_BENCH_SECONDS: 'soon', EVENTCORE_BENCH_ROUNDS: '0', EVENTCORE_BENCH_ONLY: 'x' }),
    ).toThrow(/EVENTCORE_BENCH_SECONDS .*'soon'.*EVENTCORE_BENCH_ROUNDS .*'0'.*EVENTCORE_BENCH_ONLY .*'x'/)
  })
})

describe('redactUrl', () => {
  it('hides the password only', () => {
    expect(redactUrl('postgres://app:secret@db:5432/x')).toBe('postgres://app:***@db:5432/x')
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/postgres')).toBe('postgres://postgres@127.0.0.1:5432/postgres')
  })
})
