import type { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { openPgliteStore } from './pglite-store.js'
import { openPostgresStore } from './postgres-store.js'

// The options types keep "one of these" apart; these are the run-time checks for JavaScript
// callers, made before anything is opened.
describe('store options', () => {
  it('refuse a pool of yours together with the settings of a pool the store makes, naming each', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' })
    try {
      // @ts-expect-error a pool of yours takes none of the settings of the store's own pool
      const opening = openPostgresStore({ pool, connectionString: 'postgres://elsewhere', poolSize: 3 })
      await expect(opening).rejects.toMatchObject({
        kind: 'validation',
        issues: [
          { path: 'connectionString', message: expect.stringMatching(/leave it out when you pass `pool`/) },
          { path: 'poolSize', message: expect.stringMatching(/leave it out when you pass `pool`/) },
        ],
      })
    } finally {
      await pool.end()
    }
  })

  it('refuse a pool that is not a pg.Pool', async () => {
    // @ts-expect-error not a pool
    await expect(openPostgresStore({ pool: 'postgres://x' })).rejects.toMatchObject({
      kind: 'validation',
      issues: [{ path: 'pool', message: 'must be a pg.Pool' }],
    })
  })

  it('refuse an open PGlite together with a data directory', async () => {
    // Never opened: the check comes first.
    const db = {} as PGlite
    // @ts-expect-error an open PGlite has its data directory already
    await expect(openPgliteStore({ db, dataDir: './elsewhere' })).rejects.toMatchObject({
      kind: 'validation',
      issues: [{ path: 'dataDir' }],
    })
  })
})
