// The console demo: a few bank commands on the embedded PGlite store (or PostgreSQL when
// DEMO_DATABASE_URL is set), printing what happened. Run it with `npm run demo`.
// It keeps its own database (./demo-data, or DEMO_DATA_DIR), never the users service's ./data: the
// service may be running on that one, and its log is no place for bank events.
import { existsSync } from 'node:fs'
import { createExecutor, type EventStore, type ExecutionResult } from '@eventcore/core'
import { openPgliteStore, openPostgresStore } from '@eventcore/postgres'
import { move, open, signUp } from './bank.js'
import { tailOfLog } from './tail.js'

/** Where the demo keeps its events unless DEMO_DATA_DIR says otherwise. */
const DEFAULT_DATA_DIR = './demo-data'

async function openStore(): Promise<{ store: EventStore; where: string }> {
  const url = process.env.DEMO_DATABASE_URL
  if (url) {
    try {
      return { store: await openPostgresStore({ connectionString: url }), where: 'PostgreSQL' }
    } catch (error) {
      throw new Error(`${messageOf(error)} (DEMO_DATABASE_URL)`)
    }
  }
  const dataDir = process.env.DEMO_DATA_DIR || DEFAULT_DATA_DIR
  if (!existsSync(dataDir))
    console.log(`Creating the embedded database in ${dataDir} (first start takes a few seconds)…`)
  try {
    return { store: await openPgliteStore({ dataDir }), where: `embedded PGlite (${dataDir})` }
  } catch (error) {
    throw new Error(`${messageOf(error)} (DEMO_DATA_DIR)`)
  }
}

/** An error as one line: a start-up failure is a sentence to act on, not a stack trace. */
function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.replace(/\s*\n\s*/g, ' ').trim()
}

function describe(what: string, result: ExecutionResult<string>): void {
  if (result.ok) {
    const versions = Object.entries(result.versions).map(([name, v]) => `${name}@${v}`)
    console.log(`  ✓ ${what}: ${result.events.length} event(s), streams now ${versions.join(', ')}`)
  } else {
    console.log(`  ✗ ${what}: ${result.error.kind} — ${result.error.message}`)
  }
}

async function runDemo(store: EventStore, where: string): Promise<void> {
  console.log(`EventCore demo on ${where}\n`)
  const executor = createExecutor({ store })
  const run = Date.now().toString(36)
  const [alice, bob] = [`alice-${run}`, `bob-${run}`]

  console.log('Open two accounts (one stream each):')
  describe(`open ${alice} with 100`, await executor.execute(open, { id: alice, holder: 'Alice', opening: 100 }))
  describe(`open ${bob} with 20`, await executor.execute(open, { id: bob, holder: 'Bob', opening: 20 }))
  describe(`open ${alice} again`, await executor.execute(open, { id: alice, holder: 'Alice', opening: 1 }))

  console.log('\nTransfer: reads both accounts, appends to both atomically:')
  describe('alice → bob 30', await executor.execute(move, { from: alice, to: bob, amount: 30, reference: 't1' }))
  describe('bob → alice 500', await executor.execute(move, { from: bob, to: alice, amount: 500, reference: 't2' }))

  console.log('\nTen concurrent transfers on the same two accounts (conflicts are retried):')
  let retries = 0
  const busy = createExecutor({ store, observer: { onRetry: () => retries++ } })
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      busy.execute(move, { from: i % 2 ? alice : bob, to: i % 2 ? bob : alice, amount: 1, reference: `c${i}` }),
    ),
  )
  console.log(`  ${results.filter((r) => r.ok).length} succeeded after ${retries} retries on version conflicts`)

  console.log('\nE-mail uniqueness across streams (member stream + address claim stream):')
  const email = `ada-${run}@example.com`
  describe('register ada', await executor.execute(signUp, { member: `ada-${run}`, email }))
  describe(
    'register someone else, same e-mail',
    await executor.execute(signUp, { member: `eve-${run}`, email: email.toUpperCase() }),
  )

  console.log('\nThe last events of the global log:')
  for (const line of await tailOfLog(store, 6)) console.log(`  ${line}`)
}

try {
  const { store, where } = await openStore()
  try {
    await runDemo(store, where)
  } finally {
    await store.close()
  }
} catch (error) {
  console.error(`demo: ${messageOf(error)}`)
  process.exitCode = 1
}
