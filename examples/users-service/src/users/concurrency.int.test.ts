import { createExecutor, type EventStore, type ExecutionResult, uuidv7 } from '@eventcore/core'
import { describe, expect, it } from 'vitest'
import { registerUser, updateUser } from './commands.js'
import { emailStream, userStream } from './streams.js'
import { databaseUrl, pgliteStores, postgresStores } from './test-stores.js'

const CONTENDERS = 20

/** `ada@example.com` in the letter case spelled by the bits of `n`, sometimes with spaces around. */
function variant(n: number): string {
  const cased = [...'ada@example.com'].map((c, i) => ((n >> (i % 5)) & 1 ? c.toUpperCase() : c)).join('')
  return n % 3 === 0 ? ` ${cased} ` : cased
}

function outcomes(results: readonly ExecutionResult<string>[]) {
  const won = results.filter((r) => r.ok)
  const rules = results.flatMap((r) => (r.ok ? [] : [`${r.error.kind}:${'rule' in r.error ? r.error.rule : ''}`]))
  return { won, rules }
}

function describeConcurrency(name: string, open: () => Promise<EventStore>) {
  describe(`users under concurrency on ${name}`, () => {
    it(`lets exactly one of ${CONTENDERS} concurrent registrations of one address through`, async () => {
      const store = await open()
      const executor = createExecutor({ store })
      const ids = Array.from({ length: CONTENDERS }, () => uuidv7())
      expect(new Set(ids.map((_, n) => variant(n))).size).toBeGreaterThan(CONTENDERS / 2)

      const results = await Promise.all(
        ids.map((userId, n) =>
          executor.execute(registerUser, { userId, email: variant(n), firstName: 'Ada', lastName: 'Lovelace' }),
        ),
      )

      const { won, rules } = outcomes(results)
      expect(won).toHaveLength(1)
      expect(rules).toEqual(Array(CONTENDERS - 1).fill('business-rule:email-taken'))
      const winner = ids[results.findIndex((r) => r.ok)] ?? ''
      const claim = await store.readStream(emailStream('ada@example.com'))
      expect(claim.events.map((e) => [e.type, e.data])).toEqual([['EmailClaimed', { userId: winner }]])
      const users = await store.readStreams(ids.map(userStream))
      expect([...users.values()].filter((s) => s.version > 0).map((s) => s.streamId)).toEqual([userStream(winner)])
    })

    it('gives an address to only one of several users moving to it at once', async () => {
      const store = await open()
      const executor = createExecutor({ store })
      const ids = Array.from({ length: 8 }, () => uuidv7())
      for (const [n, userId] of ids.entries()) {
        const result = await executor.execute(registerUser, {
          userId,
          email: `user${n}@example.com`,
          firstName: 'U',
          lastName: String(n),
        })
        expect(result.ok).toBe(true)
      }

      const results = await Promise.all(
        ids.map((userId, n) =>
          executor.execute(updateUser, { userId, email: n % 2 ? 'Shared@x.org' : 'shared@X.org' }),
        ),
      )

      const { won, rules } = outcomes(results)
      expect(won).toHaveLength(1)
      expect(rules).toEqual(Array(ids.length - 1).fill('business-rule:email-taken'))
      const winner = ids.findIndex((_, n) => results[n]?.ok)
      const shared = await store.readStream(emailStream('shared@x.org'))
      expect(shared.events.map((e) => e.data)).toEqual([{ userId: ids[winner] }])
      for (const [n] of ids.entries()) {
        const own = await store.readStream(emailStream(`user${n}@example.com`))
        expect(own.events.map((e) => e.type)).toEqual(
          n === winner ? ['EmailClaimed', 'EmailReleased'] : ['EmailClaimed'],
        )
      }
    })

    it('lets one of two updates with the same If-Match through and answers the other version-mismatch', async () => {
      const store = await open()
      const executor = createExecutor({ store })
      const userId = uuidv7()
      await executor.execute(registerUser, { userId, email: 'ada@example.com', firstName: 'Ada', lastName: 'L' })

      const results = await Promise.all(
        ['Grace', 'Hedy'].map((firstName) => executor.execute(updateUser, { userId, firstName, expectedVersion: 1 })),
      )

      expect(outcomes(results)).toMatchObject({ won: [{ ok: true }], rules: ['business-rule:version-mismatch'] })
      const failed = results.find((r) => !r.ok)
      expect(failed).toMatchObject({ error: { rule: 'version-mismatch', details: { expected: 1, actual: 2 } } })
      expect((await store.readStream(userStream(userId))).version).toBe(2)
    })
  })
}

const lite = pgliteStores()
describeConcurrency('PGlite', lite.open)

describe.runIf(databaseUrl)('PostgreSQL', () => {
  const stores = postgresStores()
  describeConcurrency('PostgreSQL', stores.open)
})
