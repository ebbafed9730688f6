import { describe, expect, it } from 'vitest'
import { DEFAULT_DATABASE_URL, readSettings, redactUrl } from './settings.js'

describe('readSettings', () => {
  it('prefers the bench URL, then the test URL, then the local server', () => {
    expect(
      readSettings({ EVENTCORE_BENCH_DATABASE_URL: 'postgres://a', EVENTCORE_TEST_DATABASE_URL: 'postgres://b' }),
    ).toMatchObject({ databaseUrl: 'postgres://a' })
    expect(readSettings({ EVENTCORE_TEST_DATABASE_URL: 'postgres://b' })).toMatchObject({ databaseUrl: 'postgres://b' })
    expect(readSettings({})).toMatchObject({ databaseUrl: DEFAULT_DATABASE_URL, durationMs: 1000, rounds: 3 })
  })

  it('derives a warm-up of a third of the duration, at most half a second', () => {
    expect(readSettings({ EVENTCORE_BENCH_SECONDS: '0.3' }).warmupMs).toBeCloseTo(100)
    expect(readSettings({ EVENTCORE_BENCH_SECONDS: '5' }).warmupMs).toBe(500)
  })

  it('reports every invalid value in one error', () => {
    expect(() => readSettings({ EVENTCORE_BENCH_SECONDS: 'soon', EVENTCORE_BENCH_ROUNDS: '0' })).toThrow(
      /EVENTCORE_BENCH_SECONDS .*'soon'.*EVENTCORE_BENCH_ROUNDS .*'0'/,
    )
  })
})

describe('redactUrl', () => {
  it('hides the password only', () => {
    expect(redactUrl('postgres://app:secret@db:5432/x')).toBe('postgres://app:***@db:5432/x')
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/postgres')).toBe('postgres://postgres@127.0.0.1:5432/postgres')
  })
})
