import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { databaseUrl, postgresStores } from './test-database.js'

// Found by the users service's concurrency e2e tests once the executor gave every event its id:
// append_events checked the expected versions in one statement and numbered the new events from
// the stream's latest version in the next, so under READ COMMITTED a writer that committed in
// between made a stale append land after it instead of failing (two registrations of one address,
// two PATCHes with one If-Match). Numbered from the checked version, the stale writer now hits the
// unique (stream_id, stream_version) and is told it conflicted.
describe.runIf(databaseUrl)('issue 8: appends racing on one stream', () => {
  const stores = postgresStores(afterAll)
  const WRITERS = 8

  it('lets exactly one of several writers expecting the same version through, whatever path each takes', async () => {
    const store = await stores.open()
    let roundsWithTwoWinners = 0
    for (let round = 0; round < 150; round++) {
      const stream = `race-${round}`
      const results = await Promise.all(
        Array.from({ length: WRITERS }, (_, i) =>
          // Half take the one-statement path; half also check a stream they only read, which takes
          // the append_events function with its locks: the mix is what a real service sends.
          store.append([{ streamId: stream, events: [{ type: 'Raced', data: { writer: i } }] }], {
            expectedVersions: i % 2 === 0 ? { [stream]: 0 } : { [stream]: 0, [`read-${round}`]: 0 },
          }),
        ),
      )
      const winners = results.filter((r) => r.ok).length
      if (winners > 1) roundsWithTwoWinners += 1
      expect(winners).toBeGreaterThanOrEqual(1)
      for (const r of results) if (!r.ok) expect(r.error.kind).toBe('concurrency')
    }
    expect(roundsWithTwoWinners).toBe(0)
  })

  it('makes the append function refuse a stale expected version even without locks', async () => {
    const store = await stores.open()
    const pool = stores.admin()
    let roundsWithTwoWinners = 0
    // A loser waits for the winner's commit on the unique index: fewer rounds, each slower.
    for (let round = 0; round < 60; round++) {
      const stream = `fn-${round}`
      const statuses = await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          try {
            const { rows } = await pool.query<{ status: string }>(
              `SELECT status FROM ${store.schema.quoted}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
              [[stream], [0], [randomUUID()], [stream], ['Raced'], [1], ['{}'], ['{}'], true],
            )
            return rows[0]?.status
          } catch (error) {
            return (error as { code?: string }).code // 23505: the store runs it again, and learns it conflicted
          }
        }),
      )
      if (statuses.filter((s) => s === 'ok').length > 1) roundsWithTwoWinners += 1
    }
    expect(roundsWithTwoWinners).toBe(0)
    const versions = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${store.schema.quoted}.events WHERE stream_version > 1`,
    )
    expect(versions.rows[0]?.n).toBe(0)
  })
})
