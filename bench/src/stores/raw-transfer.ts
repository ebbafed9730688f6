import { uuidv7 } from '@eventcore/core'
import { accountStream } from '../operations/workload.js'
import type { TransferRequest } from './contender.js'
import type { WithClient } from './raw-baseline.js'
import type { RawStatements } from './raw-sql.js'

interface AccountRow {
  readonly stream_id: string
  readonly version: string
  readonly type: string
  readonly data: { readonly balance?: number; readonly amount?: number }
}

interface Account {
  readonly open: boolean
  readonly balance: number
  readonly version: number
}

const CLOSED: Account = { open: false, balance: 0, version: 0 }

/** Folds account events into balances and versions, as the sample `transfer` command does. */
export function foldAccounts(rows: readonly AccountRow[]): Map<string, Account> {
  const accounts = new Map<string, Account>()
  for (const row of rows) {
    const account = accounts.get(row.stream_id) ?? CLOSED
    const version = Number(row.version)
    const amount = row.data.amount ?? 0
    if (row.type === 'AccountOpened')
      accounts.set(row.stream_id, { open: true, balance: row.data.balance ?? 0, version })
    else if (row.type === 'MoneyWithdrawn')
      accounts.set(row.stream_id, { ...account, balance: account.balance - amount, version })
    else if (row.type === 'MoneyDeposited')
      accounts.set(row.stream_id, { ...account, balance: account.balance + amount, version })
    else accounts.set(row.stream_id, { ...account, version })
  }
  return accounts
}

/**
 * The transfer, written by hand with the same shape as EventCore's command: one SELECT of both
 * streams, a decision in JavaScript, then one two-row INSERT at the next version of each. The
 * unique (stream_id, version) rejects the INSERT when either stream moved in between; then it
 * reads again and retries at once. Resolves to the retries it needed.
 */
export async function rawTransfer(
  withClient: WithClient,
  statements: RawStatements,
  { from, to, amount, transferId }: TransferRequest,
): Promise<number> {
  const fromId = accountStream(from)
  const toId = accountStream(to)
  const metadata = JSON.stringify({
    correlationId: uuidv7(),
    command: 'transfer',
    occurredAt: new Date().toISOString(),
  })
  for (let retries = 0; ; retries++) {
    const written = await withClient(async (client) => {
      const { rows } = await client.query<AccountRow>({ ...statements.readStreams, values: [[fromId, toId]] })
      const accounts = foldAccounts(rows)
      const source = accounts.get(fromId) ?? CLOSED
      const target = accounts.get(toId) ?? CLOSED
      if (!source.open || !target.open) throw new Error(`account ${from} or ${to} is not open`)
      if (source.balance < amount) throw new Error(`insufficient funds in ${from}`)
      const data = JSON.stringify({ amount, transferId })
      try {
        await client.query({
          ...statements.insertMany,
          values: [
            [uuidv7(), uuidv7()],
            [fromId, toId],
            [source.version + 1, target.version + 1],
            ['MoneyWithdrawn', 'MoneyDeposited'],
            [data, data],
            [metadata, metadata],
          ],
        })
        return true
      } catch (error) {
        if ((error as { code?: unknown }).code === '23505') return false
        throw error
      }
    })
    if (written) return retries
  }
}
