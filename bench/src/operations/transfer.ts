import { type ResultRow, rateOf, type Section } from '../report/report.js'
import { rateTarget, ratioTarget } from '../report/targets.js'
import type { BenchStore } from '../stores/contender.js'
import { timedLoad } from './load.js'
import { measureRow, type ScenarioContext } from './scenario.js'
import { freshStreamId, openedAccounts } from './workload.js'

const CLIENTS = 8
const ACCOUNTS = 2000

/** Two different accounts picked at random: with 2,000 of them, two clients rarely collide. */
function randomPair(): [string, string] {
  const from = Math.floor(Math.random() * ACCOUNTS)
  const to = (from + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS
  return [`acct-${from}`, `acct-${to}`]
}

function transferOnce(store: BenchStore) {
  const { transfer } = store
  if (!transfer) throw new Error('this contender has no transfer')
  return () => {
    const [from, to] = randomPair()
    return transfer({ from, to, amount: 1, transferId: freshStreamId('transfer') })
  }
}

function ratioOf(rows: readonly ResultRow[]): number | undefined {
  const us = rateOf(rows, String(CLIENTS), 'us')
  const raw = rateOf(rows, String(CLIENTS), 'raw')
  return us !== undefined && raw ? us / raw : undefined
}

/** 3. The two-stream transfer command through the executor, at 8 clients over 2,000 accounts. */
export async function transferCommand(context: ScenarioContext): Promise<Section> {
  const rows = await measureRow(context, {
    group: String(CLIENTS),
    scenario: 's3',
    connections: CLIENTS,
    requires: 'transfer',
    prepare: (store) => store.load(openedAccounts(ACCOUNTS, 1_000_000_000)),
    measure: (store) => timedLoad(context, CLIENTS, transferOnce(store)),
  })
  return {
    title: '3. Transfer between two accounts: read 2 streams, decide, append to both atomically',
    unit: 'commands/s',
    groupHeader: 'clients',
    rows,
    showRetries: true,
    notes: [
      `${ACCOUNTS.toLocaleString('en-US')} accounts opened first; each command moves 1 between two picked at random.`,
      "EventCore: executor.execute(transfer, input) from @eventcore/core/testing: readStreams (1 query), fold, decide, one append checking both versions (1 statement; with the store's default group commit, appends in flight together share a statement and a commit); retried on conflict with jittered back-off. (groupCommit off): one statement and one commit per append.",
      'raw SQL (hand-written, one round trip): one named statement per attempt, WITH folded AS (balance, last version and opened, per stream, GROUP BY over both streams) INSERT the withdrawal and the deposit at version + 1 of each WHERE both are open and the funds suffice; the unique (stream_id, version) rejects a stale write, then it retries at once.',
      'retries: attempts beyond the first, in total (share of commands).',
    ],
    targets: [
      rateTarget('EventCore transfers ≥ 1,500 commands/s at 8 clients', rateOf(rows, '8', 'us'), 1500),
      ratioTarget('EventCore transfers ≥ 1.2× the hand-written raw transfer at 8 clients', ratioOf(rows), 1.2),
    ],
  }
}
