import { describe, expect, it } from 'vitest'
import { MAX_REDIS_BACKOFF_MS, redisBackoffMs } from './shared-redis.js'

describe('redisBackoffMs', () => {
  it('waits 100 ms, doubling, and never more than the maximum however long the outage', () => {
    expect([1, 2, 3, 4, 5].map(redisBackoffMs)).toEqual([100, 200, 400, 800, 1600])
    for (const attempt of [6, 50, 10_000]) expect(redisBackoffMs(attempt)).toBe(MAX_REDIS_BACKOFF_MS)
  })
})
